/**
 * `kiln-agent run --config FILE` as a real child process against a test HTTP server that
 * speaks the collector contract (test/agent/shipper/test-collector.ts; the real collector and
 * Elasticsearch are exercised by the lead's end-to-end tests in test/e2e/).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCollector } from '../shipper/test-collector.ts';

const entry = resolve(import.meta.dirname, '../../../bin/kiln-agent.ts');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Agent {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runAgent(config: string, env: NodeJS.ProcessEnv = {}): Agent {
  const child = spawn(process.execPath, [entry, 'run', '--config', config], {
    env: { ...process.env, KILN_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stderr: () => stderr, exited };
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function lines(prefix: string, from: number, count: number): string {
  let out = '';
  for (let i = from; i < from + count; i++) out += `${prefix} line ${i}\n`;
  return out;
}

async function setup(label: string, shipping: Record<string, unknown> = {}, deadlineMs = 30_000) {
  const collector = new TestCollector();
  const url = await collector.start();
  cleanups.push(() => collector.stop());
  const base = mkdtempSync(join(tmpdir(), `kiln-run-${label}-`));
  const logs = join(base, 'logs');
  mkdirSync(logs);
  const tokenFile = join(base, 'token');
  writeFileSync(tokenFile, 'enroll-secret\n');
  const config = join(base, 'agent.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      collector: { url, enrollmentToken: { file: tokenFile } },
      stateDir: join(base, 'state'),
      instanceId: `i-${label}`,
      inputs: { files: [{ include: [join(logs, '*.log')] }], scanIntervalMs: 100, pollIntervalMs: 50 },
      shipping: { flushIntervalMs: 100, backoffBaseMs: 50, backoffMaxMs: 500, ...shipping },
      facts: { enabled: false },
      drift: { enabled: false },
      termination: { enabled: false },
      shutdown: { deadlineMs },
    }),
  );
  return { collector, base, logs, tokenFile, config, state: join(base, 'state') };
}

describe('kiln-agent run', () => {
  it('on SIGTERM reads every file to its end, ships it, reports completeness and exits 0', async () => {
    const t = await setup('sigterm');
    const file = join(t.logs, 'app.log');
    writeFileSync(file, lines('s', 0, 100));
    const agent = runAgent(t.config);
    await until('first lines', () => t.collector.messages().length >= 100);
    appendFileSync(file, lines('s', 100, 20_000)); // unread when the signal comes
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const messages = t.collector.messages();
    expect(messages).toHaveLength(20_100);
    expect(new Set(messages).size).toBe(20_100);
    expect(t.collector.duplicates).toBe(0);
    const size = statSync(file).size;
    const lifecycle = [...t.collector.stored.values()].filter((e) => e.kiln.kind === 'lifecycle');
    expect(lifecycle.map((e) => (e.kiln.lifecycle as { phase: string }).phase).sort()).toEqual([
      'shutdown',
      'shutdown',
      'start',
    ]);
    const shutdown = lifecycle.find((e) => e.kiln.completeness !== undefined)!;
    // The final report comes last and sums the per-source reports up.
    const final = lifecycle.find((e) => (e.kiln.lifecycle as { final?: boolean }).final)!;
    expect(final.kiln.lifecycle).toEqual({
      phase: 'shutdown',
      reason: 'SIGTERM',
      final: true,
      complete: true,
      sources: 1,
    });
    expect(shutdown.kiln.completeness).toEqual({
      file,
      bytes_shipped: size,
      file_size: size,
      complete: true,
    });
    const logged = agent
      .stderr()
      .split('\n')
      .filter((l) => l.includes('kiln.completeness.file'))
      .map((l) => JSON.parse(l));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      'kiln.completeness.file': file,
      'kiln.completeness.bytes_shipped': size,
      'kiln.completeness.file_size': size,
      'kiln.completeness.complete': true,
    });
    const saved = JSON.parse(readFileSync(join(t.state, 'file-checkpoints.json'), 'utf8'));
    expect(saved.files[0].offset).toBe(size);
    expect(statSync(join(t.state, 'instance-token')).mode & 0o777).toBe(0o600);
  });

  // How long the drain takes is a benchmark figure (bench/RESULTS.md), not something a test on a
  // shared 2-core machine can assert: the deadline here is generous, the outcome exact.
  it('on SIGTERM drains 300 000 unread lines of three files, exactly once, every file complete', async () => {
    const t = await setup('drain-300k', {}, 120_000);
    const files = ['a', 'b', 'c'].map((name) => join(t.logs, `${name}.log`));
    for (const [i, file] of files.entries()) writeFileSync(file, lines(`w${i}`, 0, 10));
    const agent = runAgent(t.config);
    await until('first lines', () => t.collector.messages().length >= 30);
    for (const [i, file] of files.entries()) appendFileSync(file, lines(`f${i}`, 0, 100_000));
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const messages = t.collector.messages();
    expect(messages).toHaveLength(300_030);
    expect(new Set(messages).size).toBe(300_030);
    expect(t.collector.duplicates).toBe(0);
    // One completeness event per file (the final report that follows carries none).
    const shutdowns = [...t.collector.stored.values()].filter(
      (e) =>
        e.kiln.kind === 'lifecycle' &&
        (e.kiln.lifecycle as { phase: string }).phase === 'shutdown' &&
        e.kiln.completeness !== undefined,
    );
    expect(
      shutdowns
        .map((e) => e.kiln.completeness)
        .sort((x, y) => String((x as { file: string }).file).localeCompare((y as { file: string }).file)),
    ).toEqual(
      files.map((file) => ({
        file,
        bytes_shipped: statSync(file).size,
        file_size: statSync(file).size,
        complete: true,
      })),
    );
  });

  it('after SIGKILL mid-batch resumes from its checkpoint: nothing lost, re-sent events keep their ids', async () => {
    const t = await setup('sigkill', { batchMaxEvents: 500, maxInFlight: 2 });
    const file = join(t.logs, 'app.log');
    writeFileSync(file, lines('k', 0, 30_000));
    const first = runAgent(t.config);
    await until('some stored', () => t.collector.messages().length >= 3000);
    // Answers stop coming: batches are in flight, unacknowledged, when the agent dies.
    let release: () => void = () => {};
    t.collector.hold = new Promise((r) => {
      release = r;
    });
    await until('a batch held', () => t.collector.batches.length > 0 && first.stderr().length > 0);
    const sentBeforeKill = t.collector.batches.length;
    await until('another batch in flight', () => t.collector.batches.length > sentBeforeKill);
    first.child.kill('SIGKILL');
    await first.exited;
    t.collector.hold = undefined;
    release();
    expect(t.collector.messages().length).toBeLessThan(30_000);
    const second = runAgent(t.config);
    await until('all 30 000 stored', () => t.collector.messages().length >= 30_000, 90_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const messages = t.collector.messages();
    expect(messages).toHaveLength(30_000);
    expect(new Set(messages).size).toBe(30_000);
    // Events in flight at the kill were sent again under the same ids: the collector counted
    // them as duplicates instead of storing them twice.
    expect(t.collector.duplicates).toBeGreaterThan(0);
    const sentIds = new Set(
      t.collector.batches.flatMap((b) =>
        b.events.filter((e) => e.kiln.kind === 'log').map((e) => e.event.id),
      ),
    );
    expect(sentIds.size).toBe(30_000);
    // The restart enrolled no second time: the instance token was kept.
    expect(t.collector.enrollments).toBe(1);
  });

  it('with the collector not answering, SIGTERM gives up at the deadline, reports the file incomplete and keeps its checkpoint', async () => {
    const t = await setup('deadline', {}, 1500);
    const file = join(t.logs, 'app.log');
    writeFileSync(file, lines('d', 0, 10));
    const firstBytes = Buffer.byteLength(lines('d', 0, 10));
    const agent = runAgent(t.config);
    await until('10 stored', () => t.collector.messages().length === 10);
    await until('checkpoint saved', () => {
      try {
        return (
          JSON.parse(readFileSync(join(t.state, 'file-checkpoints.json'), 'utf8')).files[0].offset ===
          firstBytes
        );
      } catch {
        return false;
      }
    });
    t.collector.hold = new Promise(() => {}); // Elasticsearch hangs: no answer ever comes
    appendFileSync(file, lines('d', 10, 5));
    await until('the new lines sent', () =>
      t.collector.batches.some((b) => b.events.some((e) => e.message === 'd line 14')),
    );
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const size = statSync(file).size;
    const report = agent
      .stderr()
      .split('\n')
      .filter((l) => l.includes('kiln.completeness.file'))
      .map((l) => JSON.parse(l));
    expect(report).toEqual([
      expect.objectContaining({
        'log.level': 'warn',
        message: 'file incomplete at shutdown',
        'kiln.completeness.file': file,
        'kiln.completeness.bytes_shipped': firstBytes,
        'kiln.completeness.file_size': size,
        'kiln.completeness.complete': false,
      }),
    ]);
    expect(JSON.parse(readFileSync(join(t.state, 'file-checkpoints.json'), 'utf8')).files[0].offset).toBe(
      firstBytes,
    );
  });

  it('stops cleanly on SIGTERM while still waiting for the collector to enroll', async () => {
    const t = await setup('noenroll');
    await t.collector.stop(); // nothing listens: enrollment is retried
    const agent = runAgent(t.config);
    await until('a retry logged', () => agent.stderr().includes('collector not reachable for enrollment'));
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });

  it('exits 1 with a one-line reason when the enrollment token is refused', async () => {
    const t = await setup('badtoken');
    writeFileSync(t.tokenFile, 'wrong');
    const agent = runAgent(t.config);
    expect(await agent.exited).toBe(1);
    expect(agent.stderr()).toMatch(
      /^kiln: enrollment at \/ failed with HTTP 401: .*check the enrollment token/m,
    );
    expect(t.collector.batches).toHaveLength(0);
  });

  it('exports its metrics over OTLP when OTEL_METRICS_EXPORTER asks for it', async () => {
    const t = await setup('otel');
    writeFileSync(join(t.logs, 'app.log'), lines('o', 0, 250));
    // An OTLP/HTTP JSON receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp): records metric points.
    const points = new Map<string, number>();
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const payload = JSON.parse(body);
        for (const rm of payload.resourceMetrics ?? [])
          for (const sm of rm.scopeMetrics ?? [])
            for (const m of sm.metrics ?? []) {
              const dataPoints = m.sum?.dataPoints ?? m.gauge?.dataPoints ?? [];
              const total = dataPoints.reduce(
                (s: number, p: { asInt?: string; asDouble?: number }) =>
                  s + Number(p.asInt ?? p.asDouble ?? 0),
                0,
              );
              points.set(m.name, total);
            }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => receiver.close(() => r())));
    const port = (receiver.address() as AddressInfo).port;
    const agent = runAgent(t.config, {
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${port}/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: '200',
    });
    await until('250 stored', () => t.collector.messages().length >= 250);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(points.get('kiln.agent.events.read')).toBe(250);
    expect(points.get('kiln.agent.bytes.read')).toBe(Buffer.byteLength(lines('o', 0, 250)));
    // 250 log events, the start event, one completeness event per file and the final report.
    expect(points.get('kiln.agent.events.shipped')).toBe(253 + t.collector.messages('heartbeat').length);
    expect(points.get('kiln.agent.retries')).toBeUndefined();
  });
});
