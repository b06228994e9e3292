/**
 * The drift change feed (native/drift-feed, dist/kiln-drift-feed-linux-<arch>, the one the agent
 * runs; docs/facts-drift-registry.md): what it sees and what it costs on the filesystem that
 * holds /usr. A walk `lstat`s every entry (about a fifth of a full check of /usr even when
 * nothing changed); with the feed a check reads only what it reported. This measures:
 *
 * 1. what it reports for each kind of change made under a root (including a rewrite that keeps
 *    size and mtime, which a stat cache cannot see until the next full check);
 * 2. its CPU and memory idle, and while another process appends 10 000 log lines/s to a file on
 *    the same filesystem outside the roots (a filesystem mark sees those writes too).
 *
 *   node bench/change-feed.ts [--root /usr] [--seconds 30]
 *
 * Needs root (fanotify filesystem marks need CAP_SYS_ADMIN) and `npm run build` with Go. Prints
 * two tables.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderTable } from '../lib/table.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '/usr' },
    seconds: { type: 'string', default: '30' },
  },
});
const root = values.root;
const seconds = Number(values.seconds);
const work = path.join(root, 'local', `kiln-change-feed-${process.pid}`);
const logFile = `/var/log/kiln-change-feed-${process.pid}.log`;

interface Summary {
  events: number;
  /** Paths written out (each once per read of the kernel's queue). */
  reported: number;
  overflows: number;
  unresolved: number;
  cpuSeconds: number;
  maxRssKiB: number;
}

/** The feed `npm run build` made (native/drift-feed), the one the agent and its image use. */
function build(): string {
  const bin = path.resolve(import.meta.dirname, '..', 'dist', `kiln-drift-feed-linux-${process.arch}`);
  if (!existsSync(bin)) throw new Error(`no ${bin}: run npm run build (it needs Go)`);
  return bin;
}

/** Starts the feed; resolves once its marks are in place. */
async function startFeed(bin: string): Promise<{ child: ChildProcess; lines: string[] }> {
  // stdin held open: the feed ends when it closes.
  const child = spawn(bin, [root], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let rest = '';
  child.stdout!.on('data', (d) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  for (let i = 0; i < 200 && !lines.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
  if (!lines.includes('ready')) throw new Error('the change feed did not start');
  return { child, lines };
}

async function stopFeed(feed: { child: ChildProcess; lines: string[] }): Promise<Summary> {
  await new Promise((r) => setTimeout(r, 500)); // let the last events arrive
  const exited = new Promise((r) => feed.child.once('exit', r));
  feed.child.kill('SIGTERM');
  await exited;
  const last = feed.lines.filter((l) => l.startsWith('# {')).at(-1);
  if (!last) throw new Error('the change feed printed no summary');
  return JSON.parse(last.slice(2)) as Summary;
}

/** Each kind of change, made under the work tree; what the feed must report for it. */
function changes(): Array<{ what: string; make: () => void; expect: string[] }> {
  const f = (dir: number, file: number) => path.join(work, `d${dir}`, `f${file}`);
  return [
    {
      what: 'content rewritten, size and mtime kept',
      make: () => {
        const { mtime, atime } = statSync(f(0, 0));
        const fd = openSync(f(0, 0), 'r+');
        writeSync(fd, 'X', 0);
        closeSync(fd);
        utimesSync(f(0, 0), atime, mtime);
      },
      expect: [f(0, 0)],
    },
    { what: 'content appended', make: () => appendFileSync(f(0, 1), 'more\n'), expect: [f(0, 1)] },
    { what: 'mode changed', make: () => chmodSync(f(1, 0), 0o4755), expect: [f(1, 0)] },
    { what: 'owner changed', make: () => chownSync(f(1, 1), 1, 1), expect: [f(1, 1)] },
    {
      what: 'mtime only',
      make: () => utimesSync(f(2, 0), new Date(0), new Date(0)),
      expect: [f(2, 0)],
    },
    {
      what: 'renamed',
      make: () => renameSync(f(3, 0), path.join(work, 'd3', 'renamed')),
      expect: [f(3, 0), path.join(work, 'd3', 'renamed')],
    },
    { what: 'deleted', make: () => unlinkSync(f(4, 0)), expect: [f(4, 0)] },
    {
      what: 'created',
      make: () => writeFileSync(path.join(work, 'd5', 'new'), 'new\n'),
      expect: [path.join(work, 'd5', 'new')],
    },
    {
      what: 'directory created with a file',
      make: () => {
        mkdirSync(path.join(work, 'd6', 'sub'));
        writeFileSync(path.join(work, 'd6', 'sub', 'x'), 'x\n');
      },
      expect: [path.join(work, 'd6', 'sub'), path.join(work, 'd6', 'sub', 'x')],
    },
    {
      what: 'directory mode changed',
      make: () => chmodSync(path.join(work, 'd7'), 0o777),
      expect: [path.join(work, 'd7')],
    },
  ];
}

async function correctness(bin: string): Promise<string[][]> {
  for (let d = 0; d < 10; d++) {
    mkdirSync(path.join(work, `d${d}`), { recursive: true });
    for (let i = 0; i < 100; i++) writeFileSync(path.join(work, `d${d}`, `f${i}`), `file ${d}/${i}\n`);
  }
  const feed = await startFeed(bin);
  const list = changes();
  for (const c of list) c.make();
  const summary = await stopFeed(feed);
  // `~ PATH` (the entry changed) and `* PATH` (created, deleted, renamed).
  const reported = new Set(feed.lines.filter((l) => /^[~*] /.test(l)).map((l) => l.slice(2)));
  const rows = list.map((c) => {
    const missing = c.expect.filter((p) => !reported.has(p));
    return [c.what, missing.length === 0 ? 'yes' : `no (${missing.join(', ')})`];
  });
  const expected = new Set(list.flatMap((c) => c.expect));
  const extra = [...reported].filter((p) => p.startsWith(work) && !expected.has(p));
  rows.push(['paths reported that did not change', String(extra.length)]);
  rows.push(['paths reported in all / overflows', `${summary.reported} / ${summary.overflows}`]);
  return rows;
}

/** Appends `perSecond` lines a second to the log file for `secs` seconds, 100 lines per write. */
async function writeLog(perSecond: number, secs: number): Promise<number> {
  const line = `${new Date().toISOString()} INFO GET /item/1 200 12ms ${'x'.repeat(60)}\n`;
  const chunk = line.repeat(100);
  const fd = openSync(logFile, 'a');
  const started = Date.now();
  let written = 0;
  while (Date.now() - started < secs * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond);
    while (written + 100 <= due) {
      writeSync(fd, chunk);
      written += 100;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  closeSync(fd);
  return written;
}

async function overhead(bin: string): Promise<string[][]> {
  const rows: string[][] = [];
  const cell = (s: Summary) => [
    s.cpuSeconds.toFixed(2),
    (s.maxRssKiB / 1024).toFixed(1),
    String(s.events),
    String(s.reported),
    String(s.overflows),
  ];
  let feed = await startFeed(bin);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  rows.push([`idle ${seconds} s`, ...cell(await stopFeed(feed))]);
  feed = await startFeed(bin);
  const lines = await writeLog(10_000, seconds);
  rows.push([`${lines} log lines in ${seconds} s outside the root`, ...cell(await stopFeed(feed))]);
  return rows;
}

try {
  const bin = build();
  const before = loadavg().map((l) => l.toFixed(2));
  const seen = await correctness(bin);
  console.log(
    `\nchange feed on ${root}: what it reports (1 000 files in 10 directories made before it started)\n`,
  );
  console.log(renderTable(['change', 'reported'], seen));
  const cost = await overhead(bin);
  console.log(`\nchange feed on ${root}: its own cost (load average before ${before.join(' ')})\n`);
  console.log(
    renderTable(['phase', 'CPU s', 'peak RSS MiB', 'events read', 'under the root', 'overflows'], cost),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(logFile, { force: true });
}
