import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookAction } from '../../../collector/actions/webhook.ts';
import { verifySignature } from '../../../collector/actions/webhook-signature.ts';
import { planDecisions } from '../../../collector/policy/planner.ts';
import { sleep } from '../../../lib/retry.ts';
import { dayMs, policyOf, registryDoc } from '../policy/fleet-fixture.ts';

const secret = 'kiln-test-secret';
process.env.KILN_TEST_WEBHOOK_SECRET = secret;

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
  valid: boolean;
}

/** A receiver on 127.0.0.1:0 that verifies the signature and answers from a script of statuses. */
let server: Server;
let url: string;
const received: Received[] = [];
let script: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const valid = verifySignature(secret, body, req.headers['x-kiln-signature'] as string | undefined);
      received.push({ body, headers: req.headers, valid });
      const status = valid ? (script.shift() ?? 204) : 401;
      res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function request() {
  const doc = registryDoc({ id: 'i-0abc', ageMs: 30 * dayMs, group: 'web', role: 'web' });
  const [decision] = planDecisions(
    [doc],
    policyOf({ maxAge: '7d', safety: { minHealthyShare: 0 } }),
    Date.parse('2026-03-02T12:00:00Z'),
    [],
  );
  return {
    decision: decision!,
    instance: doc,
    policyName: 'web-fleet',
    attempt: 1,
    decidedAt: '2026-03-02T12:00:00.000Z',
  };
}

const target = (extra: Record<string, unknown> = {}) => ({
  url,
  secretEnv: 'KILN_TEST_WEBHOOK_SECRET',
  timeout: 5000,
  attempts: 4,
  headers: {},
  ...extra,
});

describe('webhook action against a local receiver', () => {
  it('POSTs the decision as JSON signed with HMAC-SHA256, with timestamp and delivery headers', async () => {
    received.length = 0;
    script = [200];
    const req = request();
    const result = await createWebhookAction(target(), {
      clock: { now: () => Date.parse('2026-03-02T12:00:05Z'), sleep },
    }).run(req);
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.valid).toBe(true);
    expect(got!.headers['x-kiln-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(got!.headers['x-kiln-timestamp']).toBe('1772452805');
    expect(got!.headers['x-kiln-delivery']).toBe(req.decision.id);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got!.body)).toEqual({
      decision_id: req.decision.id,
      policy: 'web-fleet',
      kind: 'replace',
      trigger: 'max_age',
      reason: 'max_age_exceeded',
      reason_text: req.decision.reasonText,
      action: 'notify',
      attempt: 1,
      decided_at: '2026-03-02T12:00:00.000Z',
      instance: {
        id: 'i-0abc',
        group: 'web',
        role: 'web',
        image_id: 'ami-0123456789abcdef0',
        age_ms: 30 * dayMs,
        labels: { env: 'prod' },
      },
      timestamp: 1772452805,
    });
    expect(result.delivery).toMatchObject({ url, delivered: true, deliveryId: req.decision.id });
    expect(result.delivery!.attempts.map((a) => a.statusCode)).toEqual([200]);
  });

  it('retries 5xx and 429 with backoff, then delivers; the delivery record lists every attempt', async () => {
    received.length = 0;
    script = [503, 500, 429, 202];
    const result = await createWebhookAction(target(), { backoffBaseMs: 10 }).run(request());
    expect(result.ok).toBe(true);
    expect(result.delivery!.attempts.map((a) => a.statusCode)).toEqual([503, 500, 429, 202]);
    expect(received).toHaveLength(4);
    expect(new Set(received.map((r) => r.headers['x-kiln-delivery'])).size).toBe(1);
  });

  it('does not retry a permanent 4xx, and says so', async () => {
    received.length = 0;
    script = [404];
    const result = await createWebhookAction(target(), { backoffBaseMs: 10 }).run(request());
    expect(result).toMatchObject({
      ok: false,
      statusCode: 404,
      error: `webhook ${url} not delivered after 1 attempt(s): HTTP 404`,
    });
    expect(received).toHaveLength(1);
  });

  it('a receiver with another secret refuses the signature (401, permanent)', async () => {
    received.length = 0;
    process.env.KILN_TEST_WEBHOOK_OTHER = 'not-the-secret';
    const result = await createWebhookAction(target({ secretEnv: 'KILN_TEST_WEBHOOK_OTHER' })).run(request());
    expect(received.map((r) => r.valid)).toEqual([false]);
    expect(result).toMatchObject({ ok: false, statusCode: 401 });
  });

  it('gives up after its attempts when nothing listens', async () => {
    const result = await createWebhookAction(target({ url: 'http://127.0.0.1:1/hook', attempts: 2 }), {
      backoffBaseMs: 10,
    }).run(request());
    expect(result.ok).toBe(false);
    expect(result.delivery!.attempts).toHaveLength(2);
    expect(result.error).toMatch(
      /^webhook http:\/\/127\.0\.0\.1:1\/hook not delivered after 2 attempt\(s\): .*ECONNREFUSED/,
    );
  });

  it('refuses to start without its secret, naming the variable', () => {
    expect(() => createWebhookAction(target({ secretEnv: 'KILN_TEST_UNSET_SECRET' }))).toThrow(
      'webhook secret: environment variable KILN_TEST_UNSET_SECRET is not set; set it on the collector',
    );
  });
});
