/**
 * Baseline benchmark: capture and a full check over a tree (default /usr), then an incremental
 * check with nothing changed (stat cache), next to `find TREE -type f -exec sha256sum {} +` as the
 * reference. Each phase runs in its own process under /usr/bin/time, so wall time, CPU seconds and
 * peak RSS are that phase's alone. Prints a Markdown table.
 *
 *   node bench/baseline.ts [--tree /usr]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  captureBaseline,
  checkBaseline,
  readBaselineFile,
  writeBaselineFile,
} from '../agent/baseline/capture.ts';
import type { HashStats } from '../agent/baseline/hash.ts';
import { PersistentHashCache } from '../agent/drift/stat-cache.ts';
import { renderTable } from '../lib/table.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const tree = flag('--tree') ?? '/usr';
const phase = flag('--phase');

if (phase) {
  await runPhase(phase, flag('--dir')!);
} else {
  await runAll();
}

/** One measured phase (a child process); prints `files hashed cached` on stdout. */
async function runPhase(name: string, dir: string): Promise<void> {
  const baselineFile = path.join(dir, 'baseline.json');
  const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
  if (name === 'capture') {
    const baseline = await captureBaseline({ roots: [tree], nowMs: Date.now(), counters });
    await writeBaselineFile(baselineFile, baseline);
    const files = Object.values(baseline.files).filter((f) => f.type === 'file').length;
    process.stdout.write(`${files} ${counters.hashed} ${counters.cached} 0\n`);
    return;
  }
  const baseline = await readBaselineFile(baselineFile);
  const cache = new PersistentHashCache(path.join(dir, 'cache.json'));
  if (name === 'incremental') await cache.load();
  const differences = await checkBaseline(baseline, { cache, counters });
  await cache.save();
  const files = Object.values(baseline.files).filter((f) => f.type === 'file').length;
  process.stdout.write(`${files} ${counters.hashed} ${counters.cached} ${differences.length}\n`);
}

interface Measured {
  wallS: number;
  cpuS: number;
  maxRssMiB: number;
  out: string;
}

/** Runs a command under /usr/bin/time; wall, user+sys CPU and peak RSS of the process tree. */
function measure(command: string[]): Measured {
  const result = spawnSync('/usr/bin/time', ['-f', 'KILN_TIME %e %U %S %M', ...command], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const line = result.stderr.split('\n').find((l) => l.startsWith('KILN_TIME'));
  if (!line) throw new Error(`no timing from ${command.join(' ')}: ${result.stderr.slice(-500)}`);
  const [, wall, user, sys, rssKiB] = line.split(' ').map(Number);
  return { wallS: wall!, cpuS: user! + sys!, maxRssMiB: rssKiB! / 1024, out: result.stdout };
}

async function runAll(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kiln-bench-baseline-'));
  try {
    const self = [process.execPath, new URL(import.meta.url).pathname, '--tree', tree, '--dir', dir];
    const rows: Array<Array<string | number>> = [];
    const row = (label: string, m: Measured, note: string) =>
      rows.push([label, m.wallS.toFixed(1), m.cpuS.toFixed(1), Math.round(m.maxRssMiB), note]);
    const note = (m: Measured) => {
      const [files, hashed, cached, diffs] = m.out.trim().split(' ');
      return `${files} files; ${hashed} hashed, ${cached} from cache; ${diffs} differences`;
    };
    const capture = measure([...self, '--phase', 'capture']);
    row('kiln capture', capture, note(capture));
    const full = measure([...self, '--phase', 'full']);
    row('kiln check, full (empty stat cache)', full, note(full));
    const incremental = measure([...self, '--phase', 'incremental']);
    row('kiln check, incremental (nothing changed)', incremental, note(incremental));
    const reference = measure(['sh', '-c', `find ${tree} -type f -exec sha256sum {} + | wc -l`]);
    row(`find ${tree} -type f -exec sha256sum {} +`, reference, `${reference.out.trim()} files`);
    const bytes = execFileSync('du', ['-sb', tree], { encoding: 'utf8' }).split('\t')[0];
    process.stdout.write(
      `tree ${tree}: ${(Number(bytes) / 2 ** 30).toFixed(2)} GiB, node ${process.version}, ${new Date().toISOString()}\n\n`,
    );
    process.stdout.write(`${renderTable(['phase', 'wall s', 'CPU s', 'peak RSS MiB', 'what'], rows)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
