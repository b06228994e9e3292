/**
 * Issue 10, what one instance can take from the others: each attack on shared resources, against
 * the real collector process and Elasticsearch, with limits lowered where the defaults would make
 * the test slow (each is named). Attested enrollment as in trust-identity.test.ts (test key, real
 * PKCS#7). Outcomes are asserted, never timings.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIidSigner } from '../../bin/demo/iid-signer.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import type { BatchResult } from '../../lib/wire.ts';
import { instanceMetadata, postEnroll, secretFor, signedDocument, testAccount } from '../support/attested.ts';
import { countDocs, dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import { type Proc, startCollector, waitFor } from './harness.ts';

const MiB = 1024 * 1024;
const client = testEsClient();
const names = uniqueNames('trust-lim');
const signer = createIidSigner('dsa');
const work = mkdtempSync(join(tmpdir(), 'kiln-trust-lim-'));
const running: Proc[] = [];
let collector: Awaited<ReturnType<typeof startCollector>>;
const tokens = new Map<string, string>();
/** The collector's documented bound (docs/security.md): 192 MiB + 4 × maxBufferedBytes (64 MiB). */
const memoryBoundBytes = 192 * MiB + 4 * 64 * MiB;

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
        },
      },
      limits: {
        // Lowered so the test needs seconds, not minutes: slow requests end after 5 s, silent
        // connections after 2 s, and an instance's burst is 4 MiB at 1 MiB/s.
        headersTimeoutMs: 2000,
        requestTimeoutMs: 5000,
        perInstance: { burstBytes: 4 * MiB, bytesPerSecond: MiB },
      },
      tokenCacheTtlMs: 60_000,
    }),
  );
  return file;
}

async function token(id: string): Promise<string> {
  const known = tokens.get(id);
  if (known) return known;
  const answer = await postEnroll(collector.url, {
    attestation: { type: 'aws-iid', ...signedDocument(signer, instanceMetadata(id)) },
    enrollmentSecret: secretFor(id),
  });
  expect(answer.status).toBe(200);
  tokens.set(id, answer.body.instanceToken);
  return answer.body.instanceToken;
}

async function post(id: string, body: Buffer, encoding = 'gzip') {
  const res = await fetch(`${collector.url}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token(id)}`, 'content-encoding': encoding },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: JSON.parse(text) as BatchResult & { error?: { code: string } },
  };
}

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  '@timestamp': new Date().toISOString(),
  event: { id },
  kiln: { kind: 'log' },
  message: `line ${id}`,
  ...extra,
});
const batch = (...events: unknown[]) => gzipSync(events.map((e) => JSON.stringify(e)).join('\n'));

function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

beforeAll(async () => {
  await setupStorage(client, names);
  collector = await startCollector(testEsUrl(), names, undefined, ['--config', collectorConfig()]);
  running.push(collector);
});

afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  signer.dispose();
  rmSync(work, { recursive: true, force: true });
  await dropPrefix(client, names);
  await client.close();
});

describe('size: about 1 MiB of gzip cannot crash anything', () => {
  it('answers 16 concurrent batches of one 60 MiB event each without going past the memory bound; Elasticsearch stays up', async () => {
    const bomb = batch(event('bomb', { message: 'A'.repeat(60 * MiB) }));
    expect(bomb.length).toBeLessThan(128 * 1024);
    // From one instance (its in-flight limit answers most 429), and from 16 instances at once
    // (the shared byte budget answers 503 to what it cannot hold).
    const many = Array.from({ length: 16 }, (_, i) => `i-0b0b00000000001${i.toString(16)}`);
    for (const id of ['i-0b0b0000000000001', ...many]) await token(id);
    const answers = await Promise.all([
      ...Array.from({ length: 16 }, () => post('i-0b0b0000000000001', bomb)),
      ...many.map((id) => post(id, bomb)),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 413 || s === 429 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 413).length).toBeGreaterThanOrEqual(4);
    expect(statuses.slice(0, 16).filter((s) => s === 429).length).toBeGreaterThanOrEqual(12);
    const peak = peakRssBytes(collector.child.pid!);
    process.stderr.write(
      `[trust-limits] collector peak RSS ${Math.round(peak / MiB)} MiB (bound ${memoryBoundBytes / MiB} MiB)\n`,
    );
    expect(peak).toBeLessThan(memoryBoundBytes);
    const health = await client.cluster.health();
    expect(health.status).not.toBe('red');
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });

  it('dead-letters an event over maxEventBytes with its reason and its start, and stores the rest, so it is never retried', async () => {
    const big = event('too-big', { message: randomBytes(1.5 * MiB).toString('base64') });
    const answer = await post('i-0b16000000000002', batch(event('small-1'), big, event('small-2')));
    expect(answer.status).toBe(200);
    expect(answer.body.stored.sort()).toEqual(['small-1', 'small-2']);
    expect(answer.body.failed).toEqual([]);
    const size = Buffer.byteLength(JSON.stringify(big));
    expect(answer.body.deadLettered).toEqual([
      {
        id: 'too-big',
        reason: `the event is ${size} bytes, more than the collector's maxEventBytes (1048576)`,
      },
    ]);
    await client.indices.refresh({ index: names.pattern('deadletter') });
    const letters = await client.search<Record<string, any>>({ index: names.pattern('deadletter') });
    const letter = letters.hits.hits
      .map((h) => h._source!)
      .find((d) => d.cloud?.instance?.id === 'i-0b16000000000002')!;
    expect(letter.kiln.deadletter).toMatchObject({ truncated: true, original_bytes: size });
    expect(letter.event.original.length).toBe(64 * 1024);
  });
});

describe('fairness: a slow or noisy instance slows nobody else', () => {
  it('a slow instance holds only its own slots, and another instance is answered meanwhile', async () => {
    const slow = 'i-0510000000000003';
    const slowToken = await token(slow);
    const { port } = new URL(collector.url);
    const held = Array.from({ length: 4 }, () => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.write(
        `POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${slowToken}\r\nContent-Encoding: identity\r\nContent-Length: 100000\r\n\r\n{"@times`,
      );
      const closed = new Promise<string>((r) => {
        let answer = '';
        socket.on('data', (d) => (answer += d));
        socket.on('close', () => r(answer));
        socket.on('error', () => {});
      });
      return closed;
    });
    await new Promise((r) => setTimeout(r, 500));
    const fifth = await post(slow, batch(event('slow-5')));
    expect(fifth.status).toBe(429);
    expect(fifth.body.error?.code).toBe('too_many_in_flight');
    expect(Number(fifth.retryAfter)).toBeGreaterThanOrEqual(1);
    const started = Date.now();
    const other = await post('i-0c0a0000000000004', batch(event('other-1')));
    process.stderr.write(
      `[trust-limits] another instance answered in ${Date.now() - started} ms while the slow one held 4 requests\n`,
    );
    expect(other.status).toBe(200);
    expect(other.body.stored).toEqual(['other-1']);
    // The request timeout ends the slow bodies (408), and the slow instance may send again.
    const ends = await Promise.all(held);
    expect(ends.every((e) => e.startsWith('HTTP/1.1 408'))).toBe(true);
    expect((await post(slow, batch(event('slow-after')))).status).toBe(200);
  });

  it('a noisy instance is answered 429 with Retry-After past its byte rate; another is not', async () => {
    const noisy = 'i-0401500000000005';
    const events = (n: number) =>
      Array.from({ length: 20 }, (_, i) =>
        event(`noise-${n}-${i}`, { message: randomBytes(75_000).toString('base64') }),
      );
    const answers = [];
    for (let n = 0; n < 4; n++) answers.push(await post(noisy, batch(...events(n))));
    expect(answers.map((a) => a.status)).toContain(429);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body.error?.code).toBe('rate_limited');
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    const other = await post('i-0c0a0000000000004', batch(event('other-2')));
    expect(other.status).toBe(200);
  });

  it('closes 20 000 connections that never send a byte, and /healthz answers through it', async () => {
    const { port } = new URL(collector.url);
    const floods = Array.from({ length: 4 }, () => {
      const child = spawn(
        process.execPath,
        [resolve('test/support/connection-flood.ts'), '127.0.0.1', port, '5000'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const reports = () =>
        out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, number>);
      return { child, reports, exited: new Promise((r) => child.once('exit', r)) };
    });
    await waitFor(
      'every flood connection opened or refused',
      () => floods.every((f) => f.reports().length >= 1),
      60_000,
    );
    const opened = floods.reduce((n, f) => n + (f.reports()[0]!.opened ?? 0), 0);
    expect(opened).toBe(20_000);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    // The collector closes them (at its connection cap, and after headersTimeoutMs): it ends up
    // holding none. (A client may not learn of a close if its handshake overflowed the kernel's
    // accept queue and was never accepted at all, so the count that matters is the collector's.)
    const fds = () => readdirSync(`/proc/${collector.child.pid}/fd`).length;
    await waitFor('the collector to hold none of the flood connections', () => fds() < 500, 60_000);
    for (const f of floods) f.child.kill('SIGTERM');
    await Promise.all(floods.map((f) => f.exited));
    const closed = floods.reduce((n, f) => n + (f.reports().at(-1)!.closed ?? 0), 0);
    process.stderr.write(`[trust-limits] the flood clients saw ${closed} of ${opened} connections closed\n`);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });
});

describe('shape: one instance cannot change what the cluster holds for the others', () => {
  it('100 batches of timestamps from year 0000 to 9999 create no new index', async () => {
    await post('i-0d0a0000000000006', batch(event('today')));
    const indices = async () =>
      (await client.cat.indices({ index: `${names.prefix}-logs-*`, format: 'json', h: 'index' }))
        .map((i) => i.index)
        .sort();
    const before = await indices();
    for (let i = 0; i < 100; i++) {
      const year = String(Math.floor((i / 100) * 9999)).padStart(4, '0');
      const answer = await post(
        'i-0d0a0000000000006',
        batch(event(`far-${i}`, { '@timestamp': `${year}-06-15T12:00:00Z` })),
      );
      expect(answer.status).toBe(200);
    }
    expect(await indices()).toEqual(before);
    expect(
      await countDocs(client, names.pattern('logs'), { term: { 'kiln.ingest.out_of_window': true } }),
    ).toBe(100);
  });

  it("one instance's field shapes do not make another's events dead-letter", async () => {
    const poison = await post(
      'i-0901500000000007',
      batch(
        event('poison', { geo: { deep: { x: 1 } }, log: { level: { not: 'a keyword' } } }),
        event('poison-2', { geo: { x: 1 } }),
      ),
    );
    expect(poison.body.deadLettered.map((d) => d.id)).toEqual(['poison']);
    const victim = await post(
      'i-0c0a0000000000004',
      batch(event('plain', { geo: 'just text', log: { level: 'error' } })),
    );
    expect(victim.body.stored).toEqual(['plain']);
    const mapping = JSON.stringify(await client.indices.getMapping({ index: `${names.prefix}-logs-*` }));
    expect(mapping).not.toContain('"geo"');
  });
});

describe('enrollment floods', () => {
  it('answers 429 with Retry-After after a burst of failed enrollments, logs them, and audits a bounded number', async () => {
    let limited = 0;
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const answer = await postEnroll(collector.url, {
        enrollmentToken: `kiln_enr_guess${i}`,
        enrollmentSecret: secretFor(`g${i}`),
        instance: { id: `i-guess${i}` },
      });
      if (answer.status === 429) {
        limited++;
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      } else {
        expect(answer.status).toBe(401);
        refused++;
      }
    }
    expect(refused).toBeGreaterThanOrEqual(20);
    expect(refused).toBeLessThan(40);
    expect(limited).toBe(1000 - refused);
    expect(
      await countDocs(client, names.pattern('audit'), { term: { 'kiln.audit.code': 'bad_token' } }),
    ).toBe(refused);
    expect(collector.output()).toContain('"message":"enrollment refused"');
    expect(collector.output()).toContain('"message":"enrollments rate-limited"');
  });
});
