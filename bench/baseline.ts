/**
 * Baseline benchmark: kiln capture, a full check (no stat cache) and an incremental check with
 * nothing changed, next to `find TREE -type f -exec sha256sum {} +` and AIDE `--init`/`--check`
 * with the same rule set (sha256 + permissions, owner, group, size, inode, type) on the same
 * tree, in the same run. Each phase runs in its own process under /usr/bin/time, so wall time,
 * CPU seconds (user + sys, threads included) and peak RSS are that phase's alone. The tree is
 * read once before the first phase, so none pays for a cold page cache. Prints a Markdown table.
 *
 * The kiln phases run from an esbuild bundle of this file (as the agent runs from its bundle,
 * not from TypeScript sources) with the V8 flags the agent executable runs with
 * (scripts/agent-runtime-flags.mjs: a 48 MiB heap, 1 MiB semi-spaces, two GC threads).
 *
 *   node bench/baseline.ts [--tree /usr] [--jobs 0] [--no-aide]
 *
 * `--jobs 0` (the default, as in the agent) hashes on the main thread; `--jobs N` in N threads.
 * The check phases open the baseline with `verify: 'while-reading'`, as `kiln-agent baseline
 * check` does. A `find -printf` of the same stat fields shows the floor of an incremental check,
 * and a bare `readdirSync` + `lstatSync` walk the same floor in Node.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { baselineEntries, openBaseline } from '../agent/baseline/baseline-file.ts';
import { captureBaseline } from '../agent/baseline/capture.ts';
import type { HashStats } from '../agent/baseline/scan.ts';
import type { BaselineInfo } from '../agent/baseline/types.ts';
import { ChangeFeed } from '../agent/drift/change-feed.ts';
import { checkChanged } from '../agent/drift/fed-check.ts';
import { checkWithCache } from '../agent/drift/incremental.ts';
import { StatCacheFile } from '../agent/drift/stat-cache.ts';
import { silentLogger } from '../lib/log.ts';
import { renderTable } from '../lib/table.ts';
import { agentExecArgv, agentHeapMiB } from '../scripts/agent-runtime-flags.mjs';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const tree = flag('--tree') ?? '/usr';
const jobs = Number(flag('--jobs') ?? 0);
const phase = flag('--phase');

if (phase) {
  await runPhase(phase, flag('--dir')!);
} else {
  await runAll();
}

/** Peak private (anonymous) and file-backed resident memory, from /proc/self/status, in KiB. */
function sampleResidency(): { peak: { anon: number; file: number }; stop(): void } {
  const peak = { anon: 0, file: 0 };
  const sample = () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    peak.anon = Math.max(peak.anon, kib('RssAnon'));
    peak.file = Math.max(peak.file, kib('RssFile') + kib('RssShmem'));
  };
  const timer = setInterval(sample, 50);
  return {
    peak,
    stop() {
      clearInterval(timer);
      sample();
    },
  };
}

/**
 * One measured phase (a child process); prints `entries hashed cached differences anonKiB
 * fileKiB` on stdout (the node walk: `entries anonKiB fileKiB`): the last two say how much of
 * the peak RSS is the process's own memory and how much is the Node executable's code pages
 * (file-backed, shared, reclaimable).
 */
async function runPhase(name: string, dir: string): Promise<void> {
  const residency = sampleResidency();
  try {
    await runPhaseOnly(name, dir);
  } finally {
    residency.stop();
    process.stdout.write(` ${residency.peak.anon} ${residency.peak.file}\n`);
  }
}

async function runPhaseOnly(name: string, dir: string): Promise<void> {
  const out = path.join(dir, 'baseline');
  const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
  if (name === 'node-walk') {
    process.stdout.write(`${nodeWalk(tree)}`);
    return;
  }
  if (name === 'capture') {
    const info = await captureBaseline({ roots: [tree], nowMs: Date.now(), counters, jobs, out });
    process.stdout.write(`${info.entries} ${counters.hashed} ${counters.cached} 0`);
    return;
  }
  // As `kiln-agent baseline check` does: the digest is verified by the check's pass.
  const info = await openBaseline(out, { verify: 'while-reading' });
  if (name === 'fed') {
    await fedPhase(info, dir, counters);
    return;
  }
  const { differences } = await checkWithCache(info, {
    cacheFile: new StatCacheFile(path.join(dir, 'stat-cache')),
    nowMs: Date.now(),
    jobs,
    counters,
  });
  process.stdout.write(`${info.entries} ${counters.hashed} ${counters.cached} ${differences.length}`);
}

/**
 * The agent's check between two walks: the change feed runs, a walk (with the stat cache) sets
 * the reference, then the check of what the feed reported since, nothing, is timed on its own
 * (wall and CPU of this process; the feed's own cost is bench/change-feed.ts's). Prints the usual
 * counts, then that check's wall and CPU seconds.
 */
async function fedPhase(info: BaselineInfo, dir: string, counters: HashStats): Promise<void> {
  const feed = new ChangeFeed({
    command: flag('--feed')!,
    roots: [tree],
    logical: (real) => real,
    onChange: () => {},
    log: silentLogger,
    onState: (state, why) => {
      if (state === 'failed') throw new Error(`the change feed cannot run: ${why}`);
    },
  });
  feed.start();
  try {
    while (!feed.take().ready) await new Promise((r) => setTimeout(r, 10));
    const walked = await checkWithCache(info, {
      cacheFile: new StatCacheFile(path.join(dir, 'stat-cache')),
      nowMs: Date.now(),
      jobs,
    });
    const { changes } = feed.take();
    // `--touched N`: N files spread over the tree reported as changed (content the same), as
    // after a package's files were touched: what a check of a few reported paths costs.
    const touched = Number(flag('--touched') ?? 0);
    if (touched > 0) {
      const step = Math.max(1, Math.floor(info.entries / touched));
      let at = 0;
      let due = false;
      for await (const e of baselineEntries(info)) {
        if (at++ % step === 0) due = true;
        if (due && e.type === 'file' && changes.size < touched) {
          changes.set(e.path, false);
          due = false;
        }
      }
    }
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const { differences } = await checkChanged(info, {
      jobs,
      counters,
      previous: walked.differences.filter((d) => d.category === 'file'),
      changes,
    });
    const used = process.cpuUsage(cpu);
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(
      `${info.entries} ${counters.hashed} ${changes.size} ${differences.length} ${wallS} ${(used.user + used.system) / 1e6}`,
    );
  } finally {
    feed.stop();
  }
}

/**
 * The same walk in plain Node, nothing else: `readdirSync` per directory, `lstatSync` per entry,
 * names sorted. What any check written in Node pays before doing any work of its own.
 */
function nodeWalk(top: string): number {
  let entries = 1;
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = `${dir}/${name}`;
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      entries++;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(top);
  return entries;
}

interface Measured {
  wallS: number;
  cpuS: number;
  maxRssMiB: number;
  out: string;
  err: string;
  status: number | null;
}

/** Runs a command under /usr/bin/time; wall, user+sys CPU and peak RSS (largest process of the tree). */
function measure(command: string[]): Measured {
  const result = spawnSync('/usr/bin/time', ['-f', 'KILN_TIME %e %U %S %M', ...command], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const line = result.stderr.split('\n').find((l) => l.startsWith('KILN_TIME'));
  if (!line) throw new Error(`no timing from ${command.join(' ')}: ${result.stderr.slice(-500)}`);
  const [, wall, user, sys, rssKiB] = line.split(' ').map(Number);
  return {
    wallS: wall!,
    cpuS: user! + sys!,
    maxRssMiB: rssKiB! / 1024,
    out: result.stdout,
    err: result.stderr,
    status: result.status,
  };
}

/**
 * The commands as users run them: `kiln-agent baseline capture` (the bake's last step) and
 * `baseline check` with no stat cache, from dist/kiln-agent-linux-<arch>, with the unit's heap
 * (NODE_OPTIONS; without it V8 lets garbage reach 73-82 MiB private before collecting). They do
 * more than the phases above: packages (dpkg --verify), units, users, keys and modules as well.
 */
function executableRows(dir: string, row: (label: string, m: Measured, note: string) => void): void {
  const executable = path.resolve(`dist/kiln-agent-linux-${process.arch}`);
  if (!existsSync(executable)) {
    process.stderr.write(`no ${executable} (npm run build): no rows for the executable\n`);
    return;
  }
  const config = path.join(dir, 'agent.json');
  writeFileSync(
    config,
    JSON.stringify({ collector: { url: 'http://127.0.0.1:9' }, drift: { roots: [tree] } }),
  );
  const out = path.join(dir, 'executable-baseline');
  const env = `NODE_OPTIONS=--max-old-space-size=${agentHeapMiB}`;
  const run = (...a: string[]) => measure(['env', env, executable, 'baseline', ...a, '--config', config]);
  const capture = run('capture', '--out', out);
  const entries = /(\d+) entries/.exec(capture.err)?.[1] ?? '?';
  row('kiln-agent baseline capture (the executable)', capture, `${entries} entries; exit ${capture.status}`);
  const check = run('check', '--baseline', out);
  row('kiln-agent baseline check (the executable)', check, `exit ${check.status} (0: clean, 3: drifted)`);
}

/** AIDE's config: the same attributes kiln records, databases in the bench's directory. */
function aideConfig(dir: string): string {
  return [
    `database_in=file:${dir}/aide.db`,
    `database_out=file:${dir}/aide.db.new`,
    'gzip_dbout=no',
    `report_url=file:${dir}/aide.report`,
    'Kiln = p+u+g+s+i+sha256+ftype',
    `${tree} Kiln`,
    '',
  ].join('\n');
}

async function runAll(): Promise<void> {
  if (!args.includes('--no-aide') && spawnSync('aide', ['--version']).error) {
    process.stderr.write('bench/baseline: aide is not installed (apt-get install aide), or pass --no-aide\n');
    process.exit(2);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'kiln-bench-baseline-'));
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  try {
    const bundle = path.join(dir, 'bench-baseline.mjs');
    // Loaded here only: the bundled phases run where there is no node_modules.
    const { build } = await import('esbuild');
    await build({
      entryPoints: [new URL(import.meta.url).pathname],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      outfile: bundle,
      logLevel: 'warning',
      external: ['esbuild'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    // The flags the agent executable runs with (heap, semi-spaces, GC threads), as in the image.
    const node = [process.execPath, `--max-old-space-size=${agentHeapMiB}`, ...agentExecArgv, bundle];
    const self = [...node, '--tree', tree, '--jobs', String(jobs), '--dir', dir];
    const rows: Array<Array<string | number>> = [];
    const seconds = (s: number) => s.toFixed(s < 1 ? 2 : 1);
    const row = (label: string, m: Measured, note: string) =>
      rows.push([label, seconds(m.wallS), seconds(m.cpuS), Math.round(m.maxRssMiB), note]);
    /** A phase's counts (all but the last two fields it printed) and its peak residency (those two). */
    const note = (m: Measured) => {
      const fields = m.out.trim().split(' ').map(Number);
      const [anonKiB, fileKiB] = fields.slice(-2);
      const [entries, hashed, cached, diffs] = fields;
      const mib = (kib: number) => Math.round(kib / 1024);
      const counts =
        fields.length > 3 ? `; ${hashed} hashed, ${cached} from cache; ${diffs} differences` : '';
      return `${entries} entries${counts}; peak ${mib(anonKiB!)} MiB private + ${mib(fileKiB!)} MiB Node code (file-backed)`;
    };
    // Every file read once, untimed, so no phase pays for a cold page cache (the first one did:
    // the capture of /usr took 22.7-39.8 s from a cold cache, 8.4 s warm).
    spawnSync('sh', ['-c', `find ${tree} -type f -exec cat {} + > /dev/null 2>&1`]);
    const capture = measure([...self, '--phase', 'capture']);
    row(`kiln capture (--jobs ${jobs})`, capture, note(capture));
    const full = measure([...self, '--phase', 'full']);
    row('kiln check, full (no stat cache)', full, note(full));
    const incremental = measure([...self, '--phase', 'incremental']);
    row('kiln check, incremental (nothing changed)', incremental, note(incremental));
    const feedCommand = path.resolve(`dist/kiln-drift-feed-linux-${process.arch}`);
    if (existsSync(feedCommand)) {
      for (const [touched, what] of [
        [0, 'nothing changed'],
        [100, '100 files reported'],
      ] as const) {
        const fed = measure([...self, '--phase', 'fed', '--feed', feedCommand, '--touched', String(touched)]);
        const fields = fed.out.trim().split(' ').map(Number);
        const [entries, hashed, reported, diffs, wallS, cpuS, anonKiB, fileKiB] = fields;
        const mib = (kib: number) => Math.round(kib / 1024);
        row(
          `kiln check between walks, fed by the change feed (${what})`,
          { ...fed, wallS: wallS!, cpuS: cpuS! },
          `${entries} entries; ${reported} paths reported, ${hashed} hashed; ${diffs} differences; the check alone (its process also walked first: peak ${mib(anonKiB!)} MiB private + ${mib(fileKiB!)} MiB Node code)`,
        );
      }
    } else {
      process.stderr.write(`no ${feedCommand} (npm run build needs Go): no fed-check row\n`);
    }
    executableRows(dir, row);
    // The floor of any incremental check: one lstat per entry and a readdir per directory, in C.
    const floor = measure(['sh', '-c', `find ${tree} -printf '%s %T@ %C@ %i %m %U %G\\n' | wc -l`]);
    row(`find ${tree} -printf (lstat every entry: the walk's floor)`, floor, `${floor.out.trim()} entries`);
    // The same floor in Node: what is left of the incremental check above it is kiln's own work.
    const nodeFloor = measure([...self, '--phase', 'node-walk']);
    row('node: readdirSync + lstatSync of every entry (the floor in Node)', nodeFloor, note(nodeFloor));
    const reference = measure(['sh', '-c', `find ${tree} -type f -exec sha256sum {} + | wc -l`]);
    row(`find ${tree} -type f -exec sha256sum {} +`, reference, `${reference.out.trim()} files`);
    if (!args.includes('--no-aide')) {
      const conf = path.join(dir, 'aide.conf');
      writeFileSync(conf, aideConfig(dir));
      const version = execFileSync('aide', ['--version'], { encoding: 'utf8' }).split('\n')[0];
      const init = measure(['aide', `--config=${conf}`, '--init']);
      // AIDE writes its summary to report_url (a file here), not to stdout.
      const reportFile = path.join(dir, 'aide.report');
      const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
      const entries = /Number of entries:\s+(\d+)/.exec(`${init.out}\n${report}`)?.[1] ?? '?';
      row(`${version} --init (num_workers 1, its default)`, init, `${entries} entries; exit ${init.status}`);
      copyFileSync(path.join(dir, 'aide.db.new'), path.join(dir, 'aide.db'));
      const check = measure(['aide', `--config=${conf}`, '--check']);
      row(`${version} --check (re-hashes everything)`, check, `exit ${check.status} (0: no changes)`);
    }
    const bytes = execFileSync('du', ['-sb', tree], { encoding: 'utf8' }).split('\t')[0];
    process.stdout.write(
      `tree ${tree}: ${(Number(bytes) / 2 ** 30).toFixed(2)} GiB, node ${process.version}, ${new Date().toISOString()}, load average before ${load}\n\n`,
    );
    process.stdout.write(`${renderTable(['phase', 'wall s', 'CPU s', 'peak RSS MiB', 'what'], rows)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
