import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyEngine } from '../../../collector/policy/engine.ts';
import { planDecisions } from '../../../collector/policy/planner.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import type { IndexNames } from '../../../lib/indices.ts';
import { silentLogger } from '../../../lib/log.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { auditRecords, registrySnapshot, seedRegistry, startReceiver } from './engine-support.ts';
import { baseMs, dayMs, fleetOf50, policyOf, registryDoc } from './fleet-fixture.ts';

const client = testEsClient();
const secret = 'engine-test-secret';
process.env.KILN_ENGINE_TEST_SECRET = secret;
const used: IndexNames[] = [];

async function freshNames(label: string): Promise<IndexNames> {
  const names = uniqueNames(label);
  used.push(names);
  await setupStorage(client, names);
  return names;
}

function engine(names: IndexNames, raw: Record<string, unknown>, collectorId: string, now = () => baseMs) {
  return createPolicyEngine({
    client,
    names,
    policy: policyOf(raw),
    now,
    log: silentLogger,
    collectorId,
    intervalMs: 60_000,
  });
}

const outcomes = (records: { source: Record<string, any> }[]) => {
  const out: Record<string, number> = {};
  for (const r of records) {
    const key = `${r.source.kiln.decision.outcome}${r.source.kiln.decision.reason ? `:${r.source.kiln.decision.reason}` : ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

afterAll(async () => {
  for (const names of used) await dropPrefix(client, names);
  await client.close();
});

describe('policy engine against the real Elasticsearch', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver(secret);
  });
  afterAll(() => receiver.close());

  it('two collectors evaluating at once take exactly one action per instance', async () => {
    const names = await freshNames('pol2c');
    // 20 overdue instances in 5 groups; budgets let every one of them go in this evaluation.
    await seedRegistry(client, names, fleetOf50().slice(0, 20));
    const raw = {
      maxAge: '7d',
      action: { type: 'webhook', webhook: { url: receiver.url, secretEnv: 'KILN_ENGINE_TEST_SECRET' } },
      safety: { maxConcurrent: 20, maxConcurrentPerGroup: 20, minHealthyShare: 0 },
    };
    receiver.bodies.length = 0;
    const [a, b] = await Promise.all([
      engine(names, raw, 'collector-a').evaluateOnce(),
      engine(names, raw, 'collector-b').evaluateOnce(),
    ]);
    expect(a.decisions.filter((d) => d.outcome === 'taken')).toHaveLength(20);
    expect(b.decisions.filter((d) => d.outcome === 'taken')).toHaveLength(20);
    expect(a.executed.length + b.executed.length).toBe(20);
    expect(receiver.bodies).toHaveLength(20);
    expect(new Set(receiver.bodies.map((body) => body.instance.id)).size).toBe(20);
    expect(receiver.invalid).toBe(0);

    const records = await auditRecords(client, names);
    expect(outcomes(records)).toEqual({ 'taken:max_age_exceeded': 20 });
    expect(
      records.every((r) => r.id === r.source.kiln.decision.id && r.source.event.outcome === 'success'),
    ).toBe(true);
    const registry = await registrySnapshot(client, names);
    const statuses = [...registry.values()].map((v) => v.doc.kiln.status);
    expect(statuses).toEqual(Array(20).fill('replacing'));
    // The registry names the collector that claimed each one; both collectors show up only as they won claims.
    const claimers = [...registry.values()].map(
      (v) => (v.doc.kiln.replacement as Record<string, string>).collector,
    );
    expect(claimers.filter((c) => c === 'collector-a')).toHaveLength(a.executed.length);

    // A second round changes nothing: every instance is in flight until its successor reports in.
    const again = await Promise.all([
      engine(names, raw, 'collector-a').evaluateOnce(),
      engine(names, raw, 'collector-b').evaluateOnce(),
    ]);
    expect(again.flatMap((r) => r.decisions)).toEqual([]);
    expect(receiver.bodies).toHaveLength(20);
  });

  it('dry run changes nothing and writes the same decisions marked dry', async () => {
    const names = await freshNames('poldry');
    let awsCalls = 0;
    const fakeAws = createServer((_req, res) => {
      // Counts calls only; the dry run must make none (a real AWS API is never reached).
      awsCalls += 1;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => fakeAws.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(fakeAws.address() as AddressInfo).port}`;
    const fleet = fleetOf50().slice(0, 10);
    await seedRegistry(client, names, fleet);
    const before = await registrySnapshot(client, names);
    const raw = {
      maxAge: '7d',
      action: { type: 'aws-asg', endpoint, region: 'us-east-1' },
      safety: { maxConcurrent: 3, maxConcurrentPerGroup: 3, minHealthyShare: 0 },
    };

    const reports = await Promise.all([
      engine(names, { ...raw, dryRun: true }, 'a').evaluateOnce(),
      engine(names, { ...raw, dryRun: true }, 'b').evaluateOnce(),
    ]);
    await new Promise<void>((r) => fakeAws.close(() => r()));

    expect(awsCalls).toBe(0);
    expect(reports.flatMap((r) => r.executed)).toEqual([]);
    const after = await registrySnapshot(client, names);
    expect([...after.entries()].map(([id, v]) => [id, v.seqNo])).toEqual(
      [...before.entries()].map(([id, v]) => [id, v.seqNo]),
    );

    const real = planDecisions(fleet, policyOf(raw), baseMs, []);
    const records = await auditRecords(client, names);
    expect(records.every((r) => r.source.kiln.decision.dry_run === true)).toBe(true);
    expect(outcomes(records)).toEqual({ 'dry:max_age_exceeded': 3, 'deferred:budget_spent': 7 });
    const seen = records
      .map((r) => [
        r.source.cloud.instance.id,
        r.source.kiln.decision.outcome === 'dry' ? 'taken' : r.source.kiln.decision.outcome,
        r.source.kiln.decision.reason,
      ])
      .sort();
    expect(seen).toEqual(real.map((d) => [d.instanceId, d.outcome, d.reason]).sort());
  });

  it('retries a failed action, then escalates it in the audit and never retries that decision again', async () => {
    const names = await freshNames('polesc');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-engine-'));
    const ledger = join(dir, 'ledger');
    writeFileSync(ledger, '');
    await seedRegistry(client, names, [registryDoc({ id: 'i-fail', ageMs: 30 * dayMs, group: 'g' })]);
    const raw = {
      maxAge: '7d',
      action: {
        type: 'command',
        command: [
          'sh',
          '-c',
          'echo "$KILN_ATTEMPT" >> "$LEDGER"; echo "terraform: quota exceeded" >&2; exit 1',
        ],
        env: { LEDGER: ledger },
      },
      retry: { attempts: 3, backoff: '10ms' },
      safety: { minHealthyShare: 0 },
    };
    const report = await engine(names, raw, 'a').evaluateOnce();
    expect(report.executed).toEqual([
      { decisionId: report.decisions[0]!.id, instanceId: 'i-fail', ok: false, attempts: 3 },
    ]);
    expect(readFileSync(ledger, 'utf8')).toBe('1\n2\n3\n');

    const records = await auditRecords(client, names);
    expect(
      records.map((r) => [
        r.source.kiln.decision.outcome,
        r.source.kiln.decision.attempt,
        r.source.event.outcome,
      ]),
    ).toEqual([
      ['taken', 3, 'failure'],
      ['escalated', 3, 'failure'],
      ['failed', 1, 'failure'],
      ['failed', 2, 'failure'],
      ['failed', 3, 'failure'],
    ]);
    expect(records[2]!.source.kiln.action).toMatchObject({
      type: 'command',
      exit_code: 1,
      output: 'terraform: quota exceeded\n',
      error: 'sh exited with 1',
    });
    expect(records[1]!.source.kiln.decision.reason_text).toBe(
      `command failed after 3 attempt(s): sh exited with 1; kiln will not retry decision ${report.decisions[0]!.id}: fix the cause and replace the instance by other means`,
    );
    const registry = (await registrySnapshot(client, names)).get('i-fail')!.doc;
    expect(registry.kiln.status).toBe('running');
    expect(registry.kiln.replacement).toMatchObject({
      decision_id: report.decisions[0]!.id,
      escalated_at: new Date(baseMs).toISOString(),
    });

    const next = await engine(names, raw, 'a', () => baseMs + 60_000).evaluateOnce();
    expect(next.decisions.map((d) => [d.outcome, d.reason])).toEqual([['skipped', 'escalated']]);
    expect(next.executed).toEqual([]);
    expect(readFileSync(ledger, 'utf8')).toBe('1\n2\n3\n');
  });

  it("does not multiply the webhook's own retries: 2 delivery attempts on 503, 1 on 400, whatever policy.retry says", async () => {
    for (const [status, posts] of [
      [503, 2],
      [400, 1],
    ] as const) {
      let received = 0;
      const server = createServer((req, res) => {
        received += 1;
        req.resume();
        req.on('end', () => res.writeHead(status).end());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/replace`;
      try {
        const names = await freshNames(`polwh${status}`);
        await seedRegistry(client, names, [registryDoc({ id: 'i-hook', ageMs: 30 * dayMs, group: 'g' })]);
        const raw = {
          maxAge: '7d',
          action: { type: 'webhook', webhook: { url, secretEnv: 'KILN_ENGINE_TEST_SECRET', attempts: 2 } },
          retry: { attempts: 3, backoff: '10ms' },
          safety: { minHealthyShare: 0 },
        };
        const report = await engine(names, raw, 'a').evaluateOnce();
        expect(report.executed, `HTTP ${status}`).toEqual([
          { decisionId: report.decisions[0]!.id, instanceId: 'i-hook', ok: false, attempts: 1 },
        ]);
        expect(received, `HTTP ${status}: POSTs`).toBe(posts);
        const records = await auditRecords(client, names);
        expect(records.map((r) => r.source.kiln.decision.outcome).sort()).toEqual([
          'escalated',
          'failed',
          'taken',
        ]);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });

  it('follows a replacement until its successor reports in, then frees the budget', async () => {
    const names = await freshNames('polsucc');
    await seedRegistry(client, names, [
      registryDoc({ id: 'i-old1', ageMs: 30 * dayMs, group: 'web' }),
      registryDoc({ id: 'i-old2', ageMs: 20 * dayMs, group: 'web' }),
      registryDoc({ id: 'i-young', ageMs: dayMs, group: 'web' }),
    ]);
    const raw = {
      maxAge: '7d',
      action: { type: 'webhook', webhook: { url: receiver.url, secretEnv: 'KILN_ENGINE_TEST_SECRET' } },
      safety: { maxConcurrent: 1, minHealthyShare: 0 },
      successorTimeout: '30m',
    };
    receiver.bodies.length = 0;
    let now = baseMs;
    const first = await engine(names, raw, 'a', () => now).evaluateOnce();
    expect(first.decisions.map((d) => [d.instanceId, d.outcome, d.reason])).toEqual([
      ['i-old1', 'taken', 'max_age_exceeded'],
      ['i-old2', 'deferred', 'budget_spent'],
    ]);

    now = baseMs + 10 * 60_000;
    const waiting = await engine(names, raw, 'a', () => now).evaluateOnce();
    expect(waiting.completed).toEqual([]);
    expect(waiting.decisions.map((d) => [d.instanceId, d.outcome])).toEqual([['i-old2', 'deferred']]);

    // The Auto Scaling group's fresh instance reports in (the registry updater writes its document).
    await seedRegistry(client, names, [
      registryDoc({ id: 'i-new', ageMs: 60_000, group: 'web' }, now + 5 * 60_000),
    ]);
    now = baseMs + 20 * 60_000;
    const followed = await engine(names, raw, 'a', () => now).evaluateOnce();
    expect(followed.completed).toEqual([{ instanceId: 'i-old1', successor: 'i-new' }]);
    expect(followed.decisions.map((d) => [d.instanceId, d.outcome])).toEqual([['i-old2', 'taken']]);
    expect(receiver.bodies.map((b) => b.instance.id)).toEqual(['i-old1', 'i-old2']);

    const registry = await registrySnapshot(client, names);
    expect(registry.get('i-old1')!.doc.kiln).toMatchObject({
      status: 'replaced',
      replacement: { successor: 'i-new' },
    });
    expect(registry.get('i-old2')!.doc.kiln.status).toBe('replacing');
    const records = await auditRecords(client, names);
    expect(outcomes(records)).toEqual({
      'taken:max_age_exceeded': 2,
      'deferred:budget_spent': 2,
      'completed:max_age_exceeded': 1,
    });
    const completed = records.find((r) => r.source.kiln.decision.outcome === 'completed')!;
    expect(completed.source.kiln.action.successor).toBe('i-new');

    // No successor for i-old2 within successorTimeout: escalated once, however often it is evaluated.
    for (const minutes of [60, 61])
      await engine(names, raw, 'a', () => baseMs + minutes * 60_000).evaluateOnce();
    const escalations = (await auditRecords(client, names)).filter(
      (r) => r.source.kiln.decision.outcome === 'escalated',
    );
    expect(escalations.map((r) => r.source.cloud.instance.id)).toEqual(['i-old2']);
  });

  it('notifies about a silent instance once per silence, not once per evaluation', async () => {
    const names = await freshNames('polsil');
    await seedRegistry(client, names, [
      registryDoc({ id: 'i-quiet', ageMs: dayMs, group: 'g', silentForMs: 3_600_000, status: 'silent' }),
    ]);
    const raw = {
      silence: { after: '15m' },
      action: { type: 'aws-asg' },
      notify: { url: receiver.url, secretEnv: 'KILN_ENGINE_TEST_SECRET' },
    };
    receiver.bodies.length = 0;
    for (const minutes of [0, 1, 2])
      await engine(names, raw, 'a', () => baseMs + minutes * 60_000).evaluateOnce();
    expect(receiver.bodies.map((b) => [b.instance.id, b.kind, b.reason])).toEqual([
      ['i-quiet', 'notify', 'presumed_dead'],
    ]);
    const records = await auditRecords(client, names);
    expect(outcomes(records)).toEqual({ 'taken:presumed_dead': 1 });
    expect((await registrySnapshot(client, names)).get('i-quiet')!.doc.kiln.status).toBe('silent');
  });

  it('writes a waiting decision once per interval, or once per auditRepeat when that is longer', async () => {
    const names = await freshNames('polrep');
    await seedRegistry(client, names, [registryDoc({ id: 'i-wait', ageMs: 30 * dayMs, group: 'g' })]);
    const raw = { maxAge: '7d', action: { type: 'aws-asg' }, killSwitch: true };
    // Three evaluations a minute apart in the same hour: one record per minute by default…
    for (const minutes of [0, 1, 2])
      await engine(names, raw, 'a', () => baseMs + minutes * 60_000).evaluateOnce();
    expect(outcomes(await auditRecords(client, names))).toEqual({ 'skipped:kill_switch': 3 });
    // …and one in total for the hour with auditRepeat: 1h.
    const hourly = await freshNames('polrep1h');
    await seedRegistry(client, hourly, [registryDoc({ id: 'i-wait', ageMs: 30 * dayMs, group: 'g' })]);
    for (const minutes of [0, 1, 2])
      await engine(
        hourly,
        { ...raw, auditRepeat: '1h' },
        'a',
        () => baseMs + minutes * 60_000,
      ).evaluateOnce();
    expect(outcomes(await auditRecords(client, hourly))).toEqual({ 'skipped:kill_switch': 1 });
  });
});
