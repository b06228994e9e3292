/**
 * The collector API against the real Elasticsearch: enrollment, batches, identity stamping,
 * and each error answer (401, 400 with line, 413, 503 with Retry-After).
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorServer } from '../../../collector/ingest/server.ts';
import { storedIdOf } from '../../../collector/ingest/stamp.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { TokenStore } from '../../../collector/tokens/token-store.ts';
import { createEsClient } from '../../../lib/es.ts';
import { freePort } from '../../../lib/local-es/index.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { BatchResult } from '../../../lib/wire.ts';
import { countDocs, dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';

const client = testEsClient();
const names = uniqueNames('ingest');
const tokens = new TokenStore(client, names);
let server: CollectorServer;
let url: string;
let enrollmentToken: string;

const day = '2026-11-22';
function logEvent(id: string, extra: Record<string, unknown> = {}) {
  return {
    '@timestamp': `${day}T10:00:00.000Z`,
    event: { id },
    kiln: { kind: 'log' },
    message: `line ${id}`,
    ...extra,
  };
}

async function enroll(instanceId: string, imageId = 'ami-0123'): Promise<string> {
  const res = await fetch(`${url}/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      enrollmentToken,
      instance: { id: instanceId, imageId, hostname: `${instanceId}.internal` },
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { instanceToken: string; instanceId: string };
  expect(body.instanceId).toBe(instanceId);
  return body.instanceToken;
}

async function send(token: string, events: unknown[], gzip = true): Promise<Response> {
  const body = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n'));
  return fetch(`${url}/v1/batches`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/x-ndjson',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: gzip ? gzipSync(body) : body,
  });
}

beforeAll(async () => {
  await setupStorage(client, names);
  server = new CollectorServer({
    client,
    names,
    log: silentLogger,
    port: 0,
    tokenCacheTtlMs: 0,
    maxBodyBytes: 256 * 1024,
  });
  url = await server.start();
  enrollmentToken = (await tokens.createEnrollmentToken({ description: 'test' })).token;
});

afterAll(async () => {
  await server.stop();
  await dropPrefix(client, names);
  await client.close();
});

describe('POST /v1/enroll', () => {
  it('refuses an unknown, revoked or expired enrollment token with 401', async () => {
    const post = (token: string) =>
      fetch(`${url}/v1/enroll`, {
        method: 'POST',
        body: JSON.stringify({ enrollmentToken: token, instance: { id: 'i-x' } }),
      });
    expect((await post('kiln_enr_nope')).status).toBe(401);
    const revoked = await tokens.createEnrollmentToken();
    await tokens.revoke(revoked.token);
    const res = await post(revoked.token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'unauthorized', reason: 'the enrollment token was revoked' },
    });
    const expiring = new TokenStore(client, names, () => Date.now() - 10_000);
    const expired = await expiring.createEnrollmentToken({ ttlMs: 1000 });
    expect((await post(expired.token)).status).toBe(401);
  });

  it('answers 400 for a body without an instance id', async () => {
    const res = await fetch(`${url}/v1/enroll`, {
      method: 'POST',
      body: JSON.stringify({ enrollmentToken }),
    });
    expect(res.status).toBe(400);
  });

  it('stores tokens only hashed', async () => {
    const instanceToken = await enroll('i-hash');
    await client.indices.refresh({ index: names.state('tokens') });
    const all = await client.search({ index: names.state('tokens'), size: 100 });
    const text = JSON.stringify(all.hits.hits);
    expect(text).not.toContain(instanceToken);
    expect(text).not.toContain(enrollmentToken);
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
    expect(doc._source!.host).toEqual({ name: 'web-2', image: { id: 'ami-real' } });
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
    expect((await fetch(`${url}/v1/batches`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(await countDocs(client, names.pattern('logs'))).toBe(before);
  });

  it('answers 400 naming the line of a malformed batch, storing nothing of it', async () => {
    const token = await enroll('i-003');
    const body = gzipSync(`${JSON.stringify(logEvent('ok1'))}\n{not json}\n`);
    const res = await fetch(`${url}/v1/batches`, {
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

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${url}/v1/batches`)).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
