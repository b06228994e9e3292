/**
 * Issue 10, who an instance is: every attack of one compromised instance on another's identity,
 * against the real collector process and Elasticsearch. Identity documents are signed by the real
 * `openssl` with a test key that this collector trusts (`enrollment.aws.certificateFiles`); the
 * IMDSv2 stand-in serves them to the real agent. Only the key is not AWS's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIidSigner } from '../../bin/demo/iid-signer.ts';
import { metadataPaths, startImdsStandIn } from '../../bin/demo/imds-stand-in.ts';
import { AuditLog } from '../../collector/audit/index.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import { TokenStore } from '../../collector/tokens/token-store.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { BatchResult } from '../../lib/wire.ts';
import { instanceMetadata, postEnroll, secretFor, signedDocument, testAccount } from '../support/attested.ts';
import { countDocs, dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import { launch, type Proc, startCollector, waitFor } from './harness.ts';

const client = testEsClient();
const names = uniqueNames('trust-id');
const signer = createIidSigner('dsa');
const stranger = createIidSigner('dsa', '/C=US/O=somebody else');
const work = mkdtempSync(join(tmpdir(), 'kiln-trust-id-'));
const running: Proc[] = [];
let collector: Awaited<ReturnType<typeof startCollector>>;
let victimToken: string;
let attackerToken: string;
const victim = 'i-0v1c7100000000001';
const attacker = 'i-0a77ac0000000000e';

function collectorConfig(): string {
  const file = join(work, 'collector.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      enrollment: {
        aws: {
          certificateFiles: [signer.certFile],
          replaceShippedCertificates: true,
          allow: { accounts: [testAccount] },
          maxDocumentAgeMs: 86_400_000,
        },
      },
      tokenCacheTtlMs: 0,
    }),
  );
  return file;
}

async function enrollAttested(instanceId: string, launchedAgoMs = 60_000): Promise<string> {
  const meta = instanceMetadata(instanceId, { launchedAt: new Date(Date.now() - launchedAgoMs) });
  const answer = await postEnroll(collector.url, {
    attestation: { type: 'aws-iid', ...signedDocument(signer, meta) },
    enrollmentSecret: secretFor(instanceId),
    instance: { hostname: `ip-${instanceId}` },
  });
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ instanceId, method: 'aws-iid', holder: 'first' });
  return answer.body.instanceToken;
}

async function send(token: string, events: unknown[]): Promise<{ status: number; result: BatchResult }> {
  const res = await fetch(`${collector.url}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-encoding': 'gzip' },
    body: gzipSync(events.map((e) => JSON.stringify(e)).join('\n')),
  });
  return { status: res.status, result: (await res.json()) as BatchResult };
}

async function registry(id: string): Promise<RegistryDocument> {
  await client.indices.refresh({ index: names.state('registry') });
  return (await client.get<RegistryDocument>({ index: names.state('registry'), id }))._source!;
}

function kiln(args: string[]): string {
  return execFileSync(
    process.execPath,
    [resolve('dist/kiln.js'), ...args, '--es-url', testEsUrl(), '--index-prefix', names.prefix],
    {
      encoding: 'utf8',
    },
  );
}

const now = () => new Date().toISOString();

beforeAll(async () => {
  await setupStorage(client, names);
  collector = await startCollector(testEsUrl(), names, undefined, ['--config', collectorConfig()]);
  running.push(collector);
  victimToken = await enrollAttested(victim);
  attackerToken = await enrollAttested(attacker);
  const facts = {
    '@timestamp': now(),
    event: { id: 'victim-facts' },
    kiln: { kind: 'facts', facts: { baked: true } },
  };
  expect((await send(victimToken, [facts])).status).toBe(200);
});

afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  signer.dispose();
  stranger.dispose();
  rmSync(work, { recursive: true, force: true });
  await dropPrefix(client, names);
  await client.close();
});

describe('an instance cannot become another', () => {
  it('refuses every way of claiming the victim, and audits each attempt', async () => {
    const fleet = await new TokenStore(client, names).createEnrollmentToken({ scope: 'fleet' });
    const own = signedDocument(signer, instanceMetadata(attacker));
    const victims = signedDocument(signer, instanceMetadata(victim));
    const attempts: Array<[string, unknown, number, string]> = [
      [
        'a fleet token and the victim id',
        { enrollmentToken: fleet.token, instance: { id: victim, imageId: 'ami-evil' } },
        409,
        'claimed_by_other',
      ],
      [
        'its own signed document, claiming the victim id',
        { attestation: { type: 'aws-iid', ...own }, instance: { id: victim } },
        401,
        'id_mismatch',
      ],
      [
        'the victim id written into its own signed document',
        { attestation: { type: 'aws-iid', document: victims.document, pkcs7: own.pkcs7 } },
        401,
        'tampered',
      ],
      [
        'a document signed by a key nobody trusts',
        { attestation: { type: 'aws-iid', ...signedDocument(stranger, instanceMetadata(victim)) } },
        401,
        'bad_signature',
      ],
      [
        "the victim's own document, copied off it",
        { attestation: { type: 'aws-iid', ...victims } },
        409,
        'claimed_by_other',
      ],
    ];
    for (const [label, body, status, code] of attempts) {
      const answer = await postEnroll(collector.url, {
        enrollmentSecret: secretFor(`thief-${label}`),
        ...(body as object),
      });
      expect({ label, status: answer.status, code: answer.body.error?.code }).toEqual({
        label,
        status,
        code,
      });
    }
    const audit = await new AuditLog(client, names).ofInstance(victim);
    const codes = audit
      .filter((a) => (a.event as { outcome: string }).outcome === 'failure')
      .map((a) => (a.kiln as { audit: { code: string } }).audit.code);
    expect(codes.sort()).toEqual([
      'bad_signature',
      'claimed_by_other',
      'claimed_by_other',
      'id_mismatch',
      'tampered',
    ]);
    // The victim is untouched: its token works, its registry document still shows its own image.
    expect(
      (
        await send(victimToken, [
          { '@timestamp': now(), event: { id: 'still-me' }, kiln: { kind: 'heartbeat' } },
        ])
      ).status,
    ).toBe(200);
    expect((await registry(victim)).cloud.image?.id).toBe('ami-0a1b2c3d4e5f60718');
  });

  it('refuses a first enrollment long after launch (a copied document replayed later)', async () => {
    const old = instanceMetadata('i-0001d0000000000aa', {
      launchedAt: new Date(Date.now() - 2 * 86_400_000),
    });
    const answer = await postEnroll(collector.url, {
      attestation: { type: 'aws-iid', ...signedDocument(signer, old) },
      enrollmentSecret: secretFor('late'),
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error?.code).toBe('replay');
  });
});

describe("an instance cannot write another's story", () => {
  it('drops dotted-key and collector-owned spoofs: nothing lands in the victim documents or kiln investigate', async () => {
    const spoofs = [
      {
        '@timestamp': now(),
        'event.id': 'spoof-drift',
        'kiln.kind': 'drift',
        'cloud.instance.id': victim,
        'kiln.drift.path': '/etc/shadow',
        'kiln.bake.id': 'bake-evil',
        'host.name': `ip-${victim}`,
        'agent.id': victim,
        'cloud.account.id': '999999999999',
      },
      {
        '@timestamp': now(),
        event: { id: 'spoof-log', ingested: '2000-01-01T00:00:00Z' },
        kiln: { kind: 'log', launch_time: '2030-01-01T00:00:00Z', lifecycle: { phase: 'shutdown' } },
        cloud: { instance: { id: victim } },
        host: { id: victim, name: `ip-${victim}` },
        message: 'Accepted publickey for root from 203.0.113.66 port 4242 ssh2',
      },
    ];
    const { status, result } = await send(attackerToken, spoofs);
    expect(status).toBe(200);
    expect(result.stored.sort()).toEqual(['spoof-drift', 'spoof-log']);
    // The drift document keeps its event id; a lean log line stores none (its _id is made of
    // it), so the spoofed line is found by its text.
    const theSpoofs = {
      bool: {
        should: [
          { term: { 'event.id': 'spoof-drift' } },
          { match_phrase: { message: 'Accepted publickey for root from 203.0.113.66' } },
        ],
        minimum_should_match: 1,
      },
    };
    const spoofed = { bool: { filter: [{ term: { 'cloud.instance.id': victim } }, theSpoofs] } };
    expect(await countDocs(client, `${names.prefix}-*`, spoofed)).toBe(0);
    const hits = await client.search<Record<string, any>>({
      index: `${names.pattern('drift')},${names.pattern('logs')}`,
      query: theSpoofs,
    });
    expect(hits.hits.hits.map((h) => h._source!.kiln.kind).sort()).toEqual(['drift', 'log']);
    for (const hit of hits.hits.hits) {
      const doc = hit._source!;
      expect(doc.cloud.instance.id).toBe(attacker);
      // A drift document carries the attested account; a log line the lean identity, so neither
      // the attacker's account nor the one it claimed.
      expect(doc.cloud.account?.id).toBe(doc.kiln.kind === 'drift' ? testAccount : undefined);
      expect(doc.host.name).toBe(`ip-${attacker}`);
      expect(doc.host.id).toBeUndefined();
      const agentId = (await registry(attacker)).kiln.enrollment!.agent_id;
      expect(doc.agent?.id).toBe(doc.kiln.kind === 'drift' ? agentId : undefined);
      expect(doc.kiln.bake).toBeUndefined();
      expect(doc.kiln.launch_time).toBeUndefined();
      expect(doc.kiln.lifecycle).toBeUndefined();
      expect(doc.event.ingested).not.toBe('2000-01-01T00:00:00Z');
    }
    const story = kiln(['investigate', victim, '--json']);
    expect(story).not.toContain('Accepted publickey');
    expect(story).not.toContain('/etc/shadow');
    expect((await registry(victim)).kiln.drift.state).not.toBe('drifted');
  });
});

describe('an instance cannot make itself younger', () => {
  it('plans by the attested launch time, whatever the facts claim, and says when an age rests on a claim', async () => {
    const elder = 'i-0e1de7000000000aa';
    const token = await enrollAttested(elder, 10 * 3_600_000);
    const claimYoung = {
      '@timestamp': now(),
      event: { id: 'young-facts' },
      cloud: { provider: 'aws', region: 'eu-west-1' },
      kiln: { kind: 'facts', launch_time: now(), boot_time: now(), facts: { baked: true } },
    };
    expect((await send(token, [claimYoung])).status).toBe(200);
    const doc = await registry(elder);
    expect(doc.kiln.provenance?.launch_time).toBe('attested');
    expect(Date.now() - Date.parse(doc.kiln.launch_time!)).toBeGreaterThan(9.9 * 3_600_000);

    // Off-cloud, a bound token: the launch time is only claimed, and never later than first contact.
    const store = new TokenStore(client, names);
    const { token: bound } = await store.createEnrollmentToken({
      scope: 'bound',
      instanceIds: ['host-claimer'],
    });
    const enrolled = await postEnroll(collector.url, {
      enrollmentToken: bound,
      enrollmentSecret: secretFor('claimer'),
      instance: { id: 'host-claimer' },
    });
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await send(enrolled.body.instanceToken, [
      {
        '@timestamp': now(),
        event: { id: 'claimer-facts' },
        kiln: { kind: 'facts', launch_time: tenDaysAgo, facts: {} },
      },
    ]);

    // The plan reads the registry by search: make the last writes visible first.
    await client.indices.refresh({ index: names.state('registry') });
    const policy = join(work, 'policy.yaml');
    writeFileSync(
      policy,
      'name: age\nmaxAge: 6h\nspreadPercent: 0\naction: { type: command, command: ["true"] }\nsafety: { maxConcurrent: 10, minHealthyShare: 0 }\n',
    );
    const plan = JSON.parse(kiln(['policy', 'plan', '--policy', policy, '--json'])) as {
      decisions: Array<{
        instanceId: string;
        trigger: string;
        ageMs: number;
        ageProvenance: string;
        reasonText: string;
      }>;
    };
    const byId = new Map(plan.decisions.map((d) => [d.instanceId, d]));
    expect(byId.get(elder)).toMatchObject({ trigger: 'max_age', ageProvenance: 'attested' });
    expect(byId.get(elder)!.ageMs).toBeGreaterThan(9.9 * 3_600_000);
    expect(byId.get('host-claimer')).toMatchObject({ trigger: 'max_age', ageProvenance: 'claimed' });
    expect(byId.get('host-claimer')!.reasonText).toContain(
      'the age rests on a launch or boot time only the instance claims',
    );
    expect(byId.has(victim)).toBe(false);
  });
});

describe('the real agent on EC2', () => {
  it('enrolls with its signed identity document and no token, keeps its holder secret, and a second agent with the same id is refused', async () => {
    const id = 'i-0a9e470000000000b';
    const imds = await startImdsStandIn(metadataPaths(instanceMetadata(id), (d) => signer.sign(d)));
    const state = join(work, 'agent-state');
    const config = join(work, 'agent.json');
    const write = (stateDir: string) =>
      writeFileSync(
        config,
        JSON.stringify({
          collector: { url: collector.url, attestation: 'aws-iid', requestTimeoutMs: 10_000 },
          stateDir,
          facts: { imdsUrl: imds.url },
          drift: { enabled: false },
          inputs: { files: [] },
          heartbeat: { intervalMs: 60_000 },
        }),
      );
    try {
      write(state);
      const agent = launch('kiln-agent.js', ['run', '--config', config], { KILN_LOG_LEVEL: 'info' });
      running.push(agent);
      await waitFor('the attested agent in the registry', async () => {
        await client.indices.refresh({ index: names.state('registry') });
        const got = await client.get<RegistryDocument>(
          { index: names.state('registry'), id },
          { ignore: [404] },
        );
        return got.found === true && got._source?.kiln.enrollment?.trust === 'attested';
      });
      expect(await agent.kill('SIGTERM')).toBe(0);
      expect((await registry(id)).kiln.provenance?.launch_time).toBe('attested');

      write(join(work, 'another-state'));
      const impostor = launch('kiln-agent.js', ['run', '--config', config]);
      running.push(impostor);
      expect(await impostor.exited).toBe(1);
      expect(impostor.output()).toContain(`instance ${id} is already enrolled by another holder`);
    } finally {
      imds.stop();
    }
  });
});
