/**
 * The journald source against the file source on the same lines: 100 000 entries (a real
 * journal made by systemd-journal-remote) versus the same 100 000 lines in one file, each
 * shipped by the bundled agent (dist/kiln-agent.js) to the collector stand-in that acknowledges
 * without storing (bench/shipping/peers/ack-collector-process.ts), so the figure is the agent's
 * own ceiling. CPU is the agent's process tree (journalctl included). Then the peer that reads
 * the journal: rsyslog's imjournal on the same journal file, writing a local file
 * (bench/journald-rsyslog.ts); CPU is rsyslogd's. Prints entries/s and CPU s per 100 000.
 * Usage: flock /tmp/kiln-bench.lock node bench/journald.ts [ENTRIES]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../lib/local-es/index.ts';
import { writeJournal } from '../test/support/journal.ts';
import { ensureRsyslog, measureImjournal } from './journald-rsyslog.ts';
import { TreeSampler } from './shipping/proc-stats.ts';

const root = resolve(import.meta.dirname, '..');
const entries = Number(process.argv[2] ?? 100_000);
const t0 = 1_790_000_000_000_000;
const line = (i: number) =>
  `10.0.${i % 256}.${i % 200} - - "GET /api/items/${i} HTTP/1.1" 200 ${512 + (i % 977)} "-" "bench/1.0"`;

async function measure(source: 'journald' | 'file', dir: string): Promise<{ seconds: number; cpu: number }> {
  const port = await freePort();
  const collector = spawn(
    process.execPath,
    [join(root, 'bench/shipping/peers/ack-collector-process.ts'), String(port)],
    {
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await until(async () =>
    fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ),
  );
  const state = join(dir, `state-${source}`);
  writeFileSync(join(dir, 'token'), 'bench');
  const config = {
    collector: { url, enrollmentToken: { file: join(dir, 'token') } },
    stateDir: state,
    instanceId: 'i-bench-journald',
    inputs:
      source === 'journald'
        ? { journald: [{ directory: join(dir, 'journal'), all: true }] }
        : { files: [{ include: [join(dir, 'app.log')] }] },
    facts: { enabled: false },
    drift: { enabled: false },
    termination: { enabled: false },
  };
  writeFileSync(join(dir, `${source}.json`), JSON.stringify(config));
  const started = performance.now();
  const agent: ChildProcess = spawn(
    process.execPath,
    [join(root, 'dist/kiln-agent.js'), 'run', '--config', join(dir, `${source}.json`)],
    {
      stdio: 'ignore',
      env: { ...process.env, KILN_LOG_LEVEL: 'warn' },
    },
  );
  const sampler = new TreeSampler(agent.pid!);
  await until(async () => {
    sampler.sample();
    const { logEvents } = (await (await fetch(`${url}/count`)).json()) as { logEvents: number };
    return logEvents >= entries;
  }, 50);
  const seconds = (performance.now() - started) / 1000;
  sampler.sample();
  const cpu = sampler.usage().cpuSeconds;
  agent.kill('SIGKILL');
  collector.kill('SIGKILL');
  return { seconds, cpu };
}

async function until(check: () => Promise<boolean>, everyMs = 100): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-journald-'));
try {
  mkdirSync(join(dir, 'journal'));
  await writeJournal(
    join(dir, 'journal'),
    Array.from({ length: entries }, (_, i) => ({
      __REALTIME_TIMESTAMP: t0 + i * 1000,
      __MONOTONIC_TIMESTAMP: 1_000_000 + i * 1000,
      _BOOT_ID: '0123456789abcdef0123456789abcdef',
      MESSAGE: line(i),
      PRIORITY: 6,
      _TRANSPORT: 'stdout',
      _SYSTEMD_UNIT: 'nginx.service',
      SYSLOG_IDENTIFIER: 'nginx',
      _PID: 812,
      _COMM: 'nginx',
    })),
  );
  writeFileSync(join(dir, 'app.log'), Array.from({ length: entries }, (_, i) => `${line(i)}\n`).join(''));
  const per = 100_000 / entries;
  const row = (label: string, seconds: number, cpu: number) =>
    console.log(
      `${label.padEnd(26)} ${entries} entries in ${seconds.toFixed(1)} s: ${Math.round(entries / seconds)} entries/s, ${(cpu * per).toFixed(1)} CPU s per 100 000`,
    );
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const source of ['journald', 'file'] as const) {
    const { seconds, cpu } = await measure(source, dir);
    row(`kiln ${source}`, seconds, cpu);
  }
  try {
    const install = ensureRsyslog(undefined, (l) => console.log(l));
    const run = await measureImjournal({
      install,
      journalFile: join(dir, 'journal', 'system.journal'),
      entries,
      dir,
    });
    row(run.label, run.seconds, run.cpu);
    if (run.lines !== entries) console.log(`  imjournal wrote ${run.lines} lines for ${entries} entries`);
  } catch (error) {
    console.log(`rsyslog imjournal not run: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
