/**
 * The collector API against the real Elasticsearch: enrollment by token (bound, single-use,
 * fleet-wide), one holder per instance id, batches, identity stamping, and each error answer
 * (401, 403, 409, 400 with line, 405, 413, 415, 503 with Retry-After).
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CollectorServer } from '../../../collector/ingest/server.ts';
import { storedIdOf } from '../../../collector/ingest/stamp.ts';
import { TokenStore } from '../../../collector/tokens/token-store.ts';
import { createEsClient } from '../../../lib/es.ts';
import { freePort } from '../../../lib/local-es/index.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { BatchResult, EnrollResponse } from '../../../lib/wire.ts';
import { countDocs } from '../../support/es.ts';
import { collectorUnderTest } from './collector-harness.ts';

const api = collectorUnderTest('ingest');
const { client, names, tokens, day, logEvent, secretOf, postEnroll, enroll, send } = api;

describe('POST /v1/enroll', () => {
  it('refuses an unknown, revoked or expired enrollment token with 401 and the reason', async () => {
    const post = (token: string) =>
      postEnroll({ enrollmentToken: token, enrollmentSecret: secretOf('i-x'), instance: { id: 'i-x' } });
    expect((await post('kiln_enr_nope')).status).toBe(401);
    const revoked = await tokens.createEnrollmentToken({ scope: 'fleet' });
    await tokens.revoke(revoked.token);
    const res = await post(revoked.token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'bad_token', reason: 'the enrollment token was revoked' },
    });
    const expiring = new TokenStore(client, names, () => Date.now() - 10_000);
    const expired = await expiring.createEnrollmentToken({ scope: 'fleet', ttlMs: 1000 });
    expect((await post(expired.token)).status).toBe(401);
  });

  it('answers 400 naming the field of a malformed request', async () => {
    const res = await postEnroll({
      enrollmentToken: 'kiln_enr_x',
      enrollmentSecret: 'short',
      instance: { id: 'i-1' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'bad_request', reason: 'enrollmentSecret: a secret of at least 32 characters' },
    });
    const nothing = await postEnroll({ enrollmentSecret: secretOf('i-1') });
    expect(((await nothing.json()) as { error: { reason: string } }).error.reason).toBe(
      'expected an attestation, or an enrollmentToken and instance.id',
    );
  });

  it('refuses a token bound to other instances with 403', async () => {
    const { token } = await tokens.createEnrollmentToken({ scope: 'bound', instanceIds: ['i-a1', 'i-a2'] });
    const res = await postEnroll({
      enrollmentToken: token,
      enrollmentSecret: secretOf('i-b'),
      instance: { id: 'i-b' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: { code: 'token_not_for_instance', reason: 'the enrollment token is not bound to instance i-b' },
    });
    const ok = await postEnroll({
      enrollmentToken: token,
      enrollmentSecret: secretOf('i-a2'),
      instance: { id: 'i-a2' },
    });
    expect(ok.status).toBe(200);
  });

  it('uses a single-use token once, and lets its holder renew with its secret', async () => {
    const { token } = await tokens.createEnrollmentToken({
      scope: 'bound',
      instanceIds: ['i-su', 'i-su2'],
      singleUse: true,
    });
    const first = await postEnroll({
      enrollmentToken: token,
      enrollmentSecret: secretOf('i-su'),
      instance: { id: 'i-su' },
    });
    expect(first.status).toBe(200);
    const other = await postEnroll({
      enrollmentToken: token,
      enrollmentSecret: secretOf('i-su2'),
      instance: { id: 'i-su2' },
    });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { reason: string } }).error.reason).toBe(
      'the single-use enrollment token was already used',
    );
    const renewal = await postEnroll({
      enrollmentToken: token,
      enrollmentSecret: secretOf('i-su'),
      instance: { id: 'i-su' },
    });
    expect(await renewal.json()).toMatchObject({ holder: 'renewed', method: 'bound-token' });
    const secretOnly = await postEnroll({ enrollmentSecret: secretOf('i-su'), instance: { id: 'i-su' } });
    expect(await secretOnly.json()).toMatchObject({ holder: 'renewed' });
  });

  it('gives one instance id one holder: a second claimant is refused with 409, and renewal revokes the old token', async () => {
    const fleet = await tokens.createEnrollmentToken({ scope: 'fleet' });
    const claim = (secret: string) =>
      postEnroll({
        enrollmentToken: fleet.token,
        enrollmentSecret: secret,
        instance: { id: 'i-held', imageId: 'ami-real' },
      });
    const first = (await (await claim(secretOf('owner'))).json()) as EnrollResponse;
    expect(first).toMatchObject({ instanceId: 'i-held', method: 'fleet-token', holder: 'first' });
    const thief = await claim(secretOf('thief'));
    expect(thief.status).toBe(409);
    expect(((await thief.json()) as { error: { code: string } }).error.code).toBe('claimed_by_other');
    const again = (await (await claim(secretOf('owner'))).json()) as EnrollResponse;
    expect(again.holder).toBe('renewed');
    expect((await send(first.instanceToken, [logEvent('old')])).status).toBe(401);
    expect((await send(again.instanceToken, [logEvent('new')])).status).toBe(200);
  });

  it('refuses fleet-wide tokens when the collector turns them off', async () => {
    const strict = new CollectorServer({
      client,
      names,
      log: silentLogger,
      port: 0,
      enrollment: { allowFleetTokens: false },
    });
    const strictUrl = await strict.start();
    try {
      const fleet = await tokens.createEnrollmentToken({ scope: 'fleet' });
      const res = await fetch(`${strictUrl}/v1/enroll`, {
        method: 'POST',
        body: JSON.stringify({
          enrollmentToken: fleet.token,
          enrollmentSecret: secretOf('i-f'),
          instance: { id: 'i-f' },
        }),
      });
      expect(res.status).toBe(403);
    } finally {
      await strict.stop();
    }
  });

  it('revoking an enrollment token revokes the instance tokens minted from it, and lists them', async () => {
    const { token, info } = await tokens.createEnrollmentToken({ scope: 'fleet' });
    const minted: string[] = [];
    for (const id of ['i-m1', 'i-m2']) {
      const res = await postEnroll({
        enrollmentToken: token,
        enrollmentSecret: secretOf(id),
        instance: { id },
      });
      minted.push(((await res.json()) as EnrollResponse).instanceToken);
    }
    expect(
      (await tokens.listInstanceTokens({ enrollmentId: info.id })).map((t) => t.instanceId).sort(),
    ).toEqual(['i-m1', 'i-m2']);
    expect(await tokens.revoke(info.id)).toEqual({ kind: 'enrollment', instanceTokens: 2 });
    for (const t of minted) expect((await send(t, [logEvent('after-revoke')])).status).toBe(401);
    const renew = await postEnroll({ enrollmentSecret: secretOf('i-m1'), instance: { id: 'i-m1' } });
    expect(renew.status).toBe(409);
  });

  it('stores tokens and secrets only hashed', async () => {
    const instanceToken = await enroll('i-hash');
    await client.indices.refresh({ index: names.state('tokens') });
    const all = await client.search({ index: names.state('tokens'), size: 1000 });
    const text = JSON.stringify(all.hits.hits);
    expect(text).not.toContain(instanceToken);
    expect(text).not.toContain(secretOf('i-hash'));
  });
});

describe('POST /v1/batches', () => {
  it('stores a batch, reports every id, and a resend is all duplicates', async () => {
    const token = await enroll('i-001');
    const events = Array.from({ length: 50 }, (_, i) => logEvent(`e${i}`));
    const first = await send(token, events);
    expect(first.status).toBe(200);
    const result = (await first.json()) as BatchResult;
    expect(result.stored).toHaveLength(50);
    expect(result.failed).toEqual([]);
    const second = (await (await send(token, events)).json()) as BatchResult;
    expect(second.stored).toEqual([]);
    expect(second.duplicates).toHaveLength(50);
    expect(await countDocs(client, names.pattern('logs'), { term: { 'cloud.instance.id': 'i-001' } })).toBe(
      50,
    );
  });

  it("ignores another instance's identity in the payload and stamps event.ingested", async () => {
    const token = await enroll('i-002', 'ami-real');
    const res = await send(token, [
      logEvent('claim', {
        cloud: { instance: { id: 'i-victim' }, image: { id: 'ami-evil' } },
        host: { name: 'web-2' },
      }),
    ]);
    expect(res.status).toBe(200);
    const doc = await client.get<Record<string, any>>({
      index: `${names.prefix}-logs-${day.replaceAll('-', '.')}`,
      id: storedIdOf('i-002', 'claim'),
    });
    expect(doc._source!.cloud).toEqual({ instance: { id: 'i-002' }, image: { id: 'ami-real' } });
    expect(doc._source!.host).toEqual({ name: 'i-002.internal' });
    expect(Date.parse(doc._source!.event.ingested)).toBeGreaterThan(Date.now() - 60_000);
    expect(
      await countDocs(client, names.pattern('logs'), { term: { 'cloud.instance.id': 'i-victim' } }),
    ).toBe(0);
  });

  it('keeps two instances with the same event ids apart', async () => {
    const a = await enroll('i-a');
    const b = await enroll('i-b');
    await send(a, [logEvent('same')]);
    const res = (await (await send(b, [logEvent('same')])).json()) as BatchResult;
    expect(res.stored).toEqual(['same']);
  });

  it('answers 401 to a wrong token and indexes nothing', async () => {
    const before = await countDocs(client, names.pattern('logs'));
    const res = await send('kiln_ins_wrong', [logEvent('nope')]);
    expect(res.status).toBe(401);
    expect((await fetch(`${api.url}/v1/batches`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(await countDocs(client, names.pattern('logs'))).toBe(before);
  });

  it('answers 400 naming the line of a malformed batch, storing nothing of it', async () => {
    const token = await enroll('i-003');
    const body = gzipSync(`${JSON.stringify(logEvent('ok1'))}\n{not json}\n`);
    const res = await fetch(`${api.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: { reason: string } };
    expect(answer.error.reason).toMatch(/^line 2: not valid JSON/);
    expect(await countDocs(client, names.pattern('logs'), { term: { 'cloud.instance.id': 'i-003' } })).toBe(
      0,
    );
  });

  it('answers 413 over the size limit', async () => {
    const token = await enroll('i-004');
    const res = await send(token, [logEvent('big', { message: 'x'.repeat(400 * 1024) })], false);
    expect(res.status).toBe(413);
  });

  it('dead-letters an event the mapping refuses and stores the rest of the batch', async () => {
    const token = await enroll('i-005');
    const res = (await (
      await send(token, [logEvent('good1'), logEvent('bad', { log: { offset: 'abc' } }), logEvent('good2')])
    ).json()) as BatchResult;
    expect(res.stored).toEqual(['good1', 'good2']);
    expect(res.deadLettered.map((d) => d.id)).toEqual(['bad']);
    expect(res.deadLettered[0]!.reason).toContain('failed to parse field [log.offset] of type [long]');
    expect(
      await countDocs(client, names.pattern('deadletter'), { term: { 'cloud.instance.id': 'i-005' } }),
    ).toBe(1);
  });

  it('answers 503 with Retry-After when Elasticsearch is unavailable, and the agent id list says failed', async () => {
    const token = await enroll('i-006');
    const deadPort = await freePort();
    const deadClient = createEsClient({ url: `http://127.0.0.1:${deadPort}`, requestTimeoutMs: 2000 });
    const cut = new CollectorServer({
      client: deadClient,
      names,
      log: silentLogger,
      port: 0,
      writer: { maxAttempts: 1 },
    });
    const cutUrl = await cut.start();
    try {
      // The token was cached by nobody: verifying it needs Elasticsearch, which is down.
      const res = await fetch(`${cutUrl}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(logEvent('x')),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await cut.stop();
      await deadClient.close();
    }
  });
});

describe('health and methods', () => {
  it('answers /healthz and /readyz to GET only, the API to POST only', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${api.url}/readyz`)).json()).toEqual({ status: 'ready' });
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`${api.url}/healthz`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
    expect((await fetch(`${api.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${api.url}/v1/batches`)).status).toBe(405);
    expect((await fetch(`${api.url}/v1/enroll`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${api.url}/nope`)).status).toBe(404);
  });

  it('answers 415 to a Content-Encoding it does not speak, storing nothing', async () => {
    const token = await enroll('i-enc');
    for (const encoding of ['br', 'deflate', 'gzip, br']) {
      const res = await send(token, [logEvent(`enc-${encoding}`)], false, { 'content-encoding': encoding });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_encoding');
    }
    expect(await countDocs(client, names.pattern('logs'), { term: { 'cloud.instance.id': 'i-enc' } })).toBe(
      0,
    );
  });
});
