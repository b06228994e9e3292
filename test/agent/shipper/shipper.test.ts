/**
 * The shipper against a test HTTP server that speaks the collector contract (see
 * test-collector.ts; the real collector is exercised by the lead's end-to-end tests).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CollectorClient } from '../../../agent/shipper/collector-client.ts';
import {
  eventOverheadBytes,
  Shipper,
  type ShipperOptions,
  type TokenProvider,
} from '../../../agent/shipper/shipper.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { WireEvent } from '../../../lib/wire.ts';
import { TestCollector } from './test-collector.ts';

let collector: TestCollector;
let client: CollectorClient;
const shippers: Shipper[] = [];

beforeEach(async () => {
  collector = new TestCollector();
  const url = await collector.start();
  client = new CollectorClient({ url, requestTimeoutMs: 10_000, connections: 2 });
});
afterEach(async () => {
  for (const s of shippers.splice(0)) s.stop();
  await client.close();
  await collector.stop();
});

function event(n: number): WireEvent {
  return {
    '@timestamp': '2026-11-22T12:00:00.000Z',
    message: `m${n}`,
    event: { id: `id-${n}` },
    kiln: { kind: 'log' },
  };
}

/** Tokens like InstanceTokens: `renew` enrolls again (here: takes the collector's current token). */
function tokens(initial = 'instance-token-1'): TokenProvider & { renewals: number } {
  let token = initial;
  return {
    renewals: 0,
    get: async () => token,
    async renew() {
      this.renewals++;
      token = collector.validToken;
      return token;
    },
  };
}

function shipper(options: Partial<ShipperOptions> = {}, provider: TokenProvider = tokens()): Shipper {
  const s = new Shipper(client, provider, silentLogger, {
    maxEvents: 100,
    maxBytes: 1024 * 1024,
    flushIntervalMs: 20,
    maxInFlight: 2,
    maxQueuedEvents: 1000,
    maxEventBytes: 1024 * 1024,
    maxQueuedBytes: 64 * 1024 * 1024,
    backoffBaseMs: 10,
    backoffMaxMs: 50,
    ...options,
  });
  shippers.push(s);
  return s;
}

async function pushAll(s: Shipper, from: number, count: number, durable: Set<string>) {
  for (let i = from; i < from + count; i++) await s.push(event(i), () => durable.add(`id-${i}`));
}

describe('Shipper', () => {
  it('sends zstd NDJSON with the bearer token, in batches of at most maxEvents', async () => {
    const s = shipper({ maxEvents: 4, flushIntervalMs: 60_000 });
    const durable = new Set<string>();
    await pushAll(s, 0, 10, durable);
    s.flushNow();
    expect(await s.waitIdle(10_000)).toBe(true);
    expect(durable.size).toBe(10);
    expect(collector.batches.map((b) => b.events.length)).toEqual([4, 4, 2]);
    expect(collector.batches.every((b) => b.encoding === 'zstd' && b.token === 'instance-token-1')).toBe(
      true,
    );
    expect(collector.messages().sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
  });

  it('sends gzip from the first 415 on, to a collector that does not read zstd, and loses nothing', async () => {
    collector.script = (batch) =>
      batch.encoding === 'zstd'
        ? {
            status: 415,
            body: {
              error: {
                code: 'unsupported_encoding',
                reason: 'Content-Encoding must be gzip or identity, not "zstd"',
              },
            },
          }
        : undefined;
    const s = shipper({ maxEvents: 4, flushIntervalMs: 60_000, backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
    const durable = new Set<string>();
    await pushAll(s, 0, 10, durable);
    s.flushNow();
    expect(await s.waitIdle(10_000)).toBe(true);
    expect(durable.size).toBe(10);
    // The batches already in flight when the first 415 came were zstd too; none after it.
    const encodings = collector.batches.map((b) => b.encoding);
    expect(encodings.indexOf('gzip')).toBeGreaterThan(0);
    expect(encodings.slice(encodings.indexOf('gzip'))).not.toContain('zstd');
    const gzipIds = collector.batches
      .filter((b) => b.encoding === 'gzip')
      .flatMap((b) => b.events.map((e) => e.event.id));
    expect(gzipIds.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `id-${i}`).sort());
    expect(collector.messages().sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
  });

  it('flushes a partial batch after flushIntervalMs without being asked', async () => {
    const s = shipper({ maxEvents: 100, flushIntervalMs: 30 });
    const durable = new Set<string>();
    await pushAll(s, 0, 3, durable);
    expect(await s.waitIdle(10_000)).toBe(true);
    expect(collector.batches.map((b) => b.events.length)).toEqual([3]);
  });

  it('honours Retry-After on 503 rather than its own (here one-minute) backoff', async () => {
    collector.script = (_batch, index) =>
      index === 0
        ? { status: 503, headers: { 'retry-after': '1' }, body: { error: { reason: 'es down' } } }
        : undefined;
    const s = shipper({ backoffBaseMs: 60_000, backoffMaxMs: 60_000, random: () => 1 });
    const durable = new Set<string>();
    await pushAll(s, 0, 5, durable);
    expect(await s.waitIdle(20_000)).toBe(true);
    expect(collector.batches).toHaveLength(2);
    expect(durable.size).toBe(5);
  });

  it('acknowledges only the ids the collector stored and resends the failed ones', async () => {
    const failOnce = new Set(['id-1', 'id-3']);
    const acknowledgedAtFirstAnswer: string[] = [];
    const durable = new Set<string>();
    collector.script = (batch, index) => {
      // The retry's arrival is the moment between the first answer and the second: what the
      // shipper has acknowledged by then came from the first answer alone.
      if (index === 1) acknowledgedAtFirstAnswer.push(...[...durable].sort());
      if (index !== 0) return undefined;
      return { status: 200, body: collector.store(batch.events, failOnce) };
    };
    const s = shipper({ flushIntervalMs: 60_000, backoffBaseMs: 10, backoffMaxMs: 10 });
    await pushAll(s, 0, 5, durable);
    s.flushNow();
    expect(await s.waitIdle(10_000)).toBe(true);
    expect(acknowledgedAtFirstAnswer).toEqual(['id-0', 'id-2', 'id-4']);
    expect(collector.batches[1]!.events.map((e) => e.event.id)).toEqual(['id-1', 'id-3']);
    expect([...durable].sort()).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
    expect(collector.stored.size).toBe(5);
    expect(collector.duplicates).toBe(0);
  });

  it('enrolls again after a 401 and resends the batch with the new token', async () => {
    collector.validToken = 'instance-token-2';
    const provider = tokens('instance-token-1');
    const s = shipper({}, provider);
    const durable = new Set<string>();
    await pushAll(s, 0, 3, durable);
    expect(await s.waitIdle(10_000)).toBe(true);
    expect(provider.renewals).toBe(1);
    expect(collector.batches.map((b) => b.token)).toEqual(['instance-token-1', 'instance-token-2']);
    expect(durable.size).toBe(3);
  });

  it('splits a batch refused with 413 until the one event too large is isolated and let go', async () => {
    collector.script = (batch) =>
      batch.events.some((e) => e.event.id === 'id-5')
        ? { status: 413, body: { error: { reason: 'too large' } } }
        : undefined;
    const dropped: number[] = [];
    const s = shipper({
      flushIntervalMs: 60_000,
      observer: { durable: () => {}, retried: () => {}, dropped: (n) => dropped.push(n) },
    });
    const durable = new Set<string>();
    await pushAll(s, 0, 8, durable);
    s.flushNow();
    expect(await s.waitIdle(10_000)).toBe(true);
    expect(collector.stored.size).toBe(7);
    expect(collector.stored.has('id-5')).toBe(false);
    expect(dropped).toEqual([1]);
    expect(durable.size).toBe(8);
  });

  it('keeps retrying while the collector is unreachable, then delivers once it is back', async () => {
    const spare = new TestCollector();
    const url = await spare.start();
    await spare.stop();
    const port = Number(new URL(url).port);
    const laterClient = new CollectorClient({ url, requestTimeoutMs: 1000, connections: 1 });
    const s = new Shipper(laterClient, tokens(), silentLogger, {
      maxEvents: 10,
      maxBytes: 1 << 20,
      flushIntervalMs: 10,
      maxInFlight: 1,
      maxQueuedEvents: 100,
      maxEventBytes: 1024 * 1024,
      maxQueuedBytes: 64 * 1024 * 1024,
      backoffBaseMs: 10,
      backoffMaxMs: 50,
    });
    shippers.push(s);
    const durable = new Set<string>();
    await pushAll(s, 0, 3, durable);
    expect(await s.waitIdle(300)).toBe(false);
    expect(durable.size).toBe(0);
    const back = new TestCollector();
    await back.start(port);
    try {
      expect(await s.waitIdle(10_000)).toBe(true);
      expect(durable.size).toBe(3);
      expect(back.stored.size).toBe(3);
    } finally {
      s.stop();
      await laterClient.close();
      await back.stop();
    }
  });

  it('bounds memory: push waits while maxQueuedEvents are queued or in flight', async () => {
    let release: () => void = () => {};
    collector.hold = new Promise((resolve) => {
      release = resolve;
    });
    const s = shipper({ maxQueuedEvents: 3, maxEvents: 2, flushIntervalMs: 5 });
    const durable = new Set<string>();
    await pushAll(s, 0, 3, durable);
    let fourthQueued = false;
    const fourth = s
      .push(event(3), () => durable.add('id-3'))
      .then(() => {
        fourthQueued = true;
      });
    await new Promise((r) => setTimeout(r, 100));
    expect(fourthQueued).toBe(false);
    expect(s.outstanding).toBe(3);
    collector.hold = undefined;
    release();
    await fourth;
    expect(await s.waitIdle(10_000)).toBe(true);
    expect(durable.size).toBe(4);
  });

  it('bounds memory in bytes: push waits once maxQueuedBytes of lines (plus their overhead) are outstanding', async () => {
    let release: () => void = () => {};
    collector.hold = new Promise((resolve) => {
      release = resolve;
    });
    const line = (i: number) => ({
      encoded: true as const,
      id: `id-${i}`,
      json: JSON.stringify({ ...event(i), message: 'x'.repeat(1000) }),
    });
    const perEvent = Buffer.byteLength(line(0).json) + eventOverheadBytes;
    // Room for two events and a bit: the third push fills the queue past the bound, the fourth waits.
    const s = shipper({ maxQueuedBytes: 2 * perEvent + 10, maxEvents: 2, flushIntervalMs: 5 });
    const durable = new Set<string>();
    for (let i = 0; i < 3; i++) await s.push(line(i), () => durable.add(`id-${i}`));
    let fourthQueued = false;
    const fourth = s
      .push(line(3), () => durable.add('id-3'))
      .then(() => {
        fourthQueued = true;
      });
    await new Promise((r) => setTimeout(r, 100));
    expect(fourthQueued).toBe(false);
    expect(s.outstanding).toBe(3);
    expect(s.outstandingBytes).toBe(3 * perEvent);
    collector.hold = undefined;
    release();
    await fourth;
    expect(await s.waitIdle(10_000)).toBe(true);
    expect([...durable].sort()).toEqual(['id-0', 'id-1', 'id-2', 'id-3']);
    expect(s.outstandingBytes).toBe(0);
  });

  it('ships over HTTPS to a collector whose certificate is signed by the configured CA file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    // A self-signed certificate for 127.0.0.1 made by the real openssl; it is its own CA.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=kiln-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const secure = new TestCollector({ cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') });
    const url = await secure.start();
    const tlsClient = new CollectorClient({ url, caFile: cert, requestTimeoutMs: 10_000, connections: 1 });
    const s = new Shipper(tlsClient, tokens(), silentLogger, {
      maxEvents: 10,
      maxBytes: 1 << 20,
      flushIntervalMs: 10,
      maxInFlight: 1,
      maxQueuedEvents: 100,
      maxEventBytes: 1024 * 1024,
      maxQueuedBytes: 64 * 1024 * 1024,
      backoffBaseMs: 10,
      backoffMaxMs: 50,
    });
    try {
      const durable = new Set<string>();
      await pushAll(s, 0, 4, durable);
      expect(await s.waitIdle(10_000)).toBe(true);
      expect(url.startsWith('https://')).toBe(true);
      expect(secure.stored.size).toBe(4);
      expect(durable.size).toBe(4);
    } finally {
      s.stop();
      await tlsClient.close();
      await secure.stop();
    }
  });
});
