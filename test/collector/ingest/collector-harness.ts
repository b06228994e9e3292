/**
 * A real collector on 127.0.0.1:0 against the shared Elasticsearch, for the ingest API tests:
 * its own index prefix, token store and helpers to enroll an instance and send it batches.
 * Call at a test file's top level: it registers its own beforeAll and afterAll.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect } from 'vitest';
import { CollectorServer } from '../../../collector/ingest/server.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { TokenStore } from '../../../collector/tokens/token-store.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { EnrollResponse } from '../../../lib/wire.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';

/** The collector under test and the helpers that speak to it. */
export function collectorUnderTest(label: string) {
  const client = testEsClient();
  const names = uniqueNames(label);
  const tokens = new TokenStore(client, names);
  let server: CollectorServer;
  let url: string;

  // Today: a @timestamp outside the accepted window (7 days back) would be routed to today anyway.
  const day = new Date().toISOString().slice(0, 10);
  function logEvent(id: string, extra: Record<string, unknown> = {}) {
    return {
      '@timestamp': `${day}T10:00:00.000Z`,
      event: { id },
      kiln: { kind: 'log' },
      message: `line ${id}`,
      ...extra,
    };
  }

  const secretOf = (instanceId: string) => `kiln_sec_${instanceId.padEnd(40, 'x')}`;

  function postEnroll(body: unknown): Promise<Response> {
    return fetch(`${url}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** Enrolls `instanceId` with a token bound to it; returns the instance token. */
  async function enroll(instanceId: string, imageId = 'ami-0123'): Promise<string> {
    const { token } = await tokens.createEnrollmentToken({ scope: 'bound', instanceIds: [instanceId] });
    const res = await postEnroll({
      enrollmentToken: token,
      enrollmentSecret: secretOf(instanceId),
      instance: { id: instanceId, imageId, hostname: `${instanceId}.internal` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as EnrollResponse;
    expect(body).toMatchObject({ instanceId, method: 'bound-token', holder: 'first' });
    return body.instanceToken;
  }

  async function send(
    token: string,
    events: unknown[],
    gzip = true,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const body = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n'));
    return fetch(`${url}/v1/batches`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-ndjson',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...headers,
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
      limits: { maxBodyBytes: 256 * 1024 },
      // Every refusal counts against the address; this file makes many on purpose.
      enrollment: { failedAttempts: { burst: 1000, perMinute: 1000 } },
    });
    url = await server.start();
  });

  afterAll(async () => {
    await server.stop();
    await dropPrefix(client, names);
    await client.close();
  });

  return {
    client,
    names,
    tokens,
    day,
    logEvent,
    secretOf,
    postEnroll,
    enroll,
    send,
    /** The collector's base URL (set once it started). */
    get url() {
      return url;
    },
  };
}
