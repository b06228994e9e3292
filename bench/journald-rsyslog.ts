/**
 * The journal peer of bench/journald.ts: rsyslog's imjournal from Debian 12 (`rsyslog` 8.2302,
 * unpacked, not installed: see bench/shipping/debs.ts) reading the same journal file and
 * writing each entry as one ECS JSON line with omfile.
 *
 * imjournal has no directory or file option: it opens the journal with sd_journal_open(). With
 * the module parameter `Remote="on"` (since 8.1910) it drops SD_JOURNAL_LOCAL_ONLY, and
 * sd-journal then also opens the files in /var/log/journal/remote/ (where
 * systemd-journal-remote puts what it receives); no journald needs to run to read them. So the
 * bench copies its journal file there for the run and removes it afterwards (and the folder, if
 * it made it). Without `Remote="on"` imjournal reads nothing of it.
 * imjournal: https://www.rsyslog.com/doc/configuration/modules/imjournal.html
 * omfile: https://www.rsyslog.com/doc/configuration/modules/omfile.html
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { unpackDebs } from './shipping/debs.ts';
import { TreeSampler } from './shipping/proc-stats.ts';

/** Debian 12 packages unpacked for imjournal: the daemon (imjournal.so is in it) and the libraries a stock Debian 12 lacks. */
export const rsyslogJournalPackages = ['rsyslog', 'libestr0', 'libfastjson4', 'liblognorm5'] as const;

/** Default cache directory of the unpacked packages. */
export const defaultRsyslogCache = '/var/cache/kiln/bench/rsyslog';

/** Where sd-journal looks for journal files (systemd's sd-journal.c, add_search_paths). */
export const journalSearchPaths = ['/run/log/journal', '/var/log/journal'] as const;

/** The folder the bench puts its journal file into: read by sd_journal_open() without SD_JOURNAL_LOCAL_ONLY only. */
export const remoteJournalDir = '/var/log/journal/remote';

/** What the bench sets on imjournal; everything else is rsyslog's default. */
export const imjournalSettings = {
  /** Cursor written to the state file every N entries: the cadence of kiln's checkpoint, one per acknowledged 2000-event batch. */
  persistStateInterval: 2000,
} as const;

/** Where the unpacked rsyslog lives. */
export interface RsyslogInstall {
  binary: string;
  moduleDir: string;
  libraryPath: string;
}

/** The install under `cacheDir` (its files may not be there yet). */
export function rsyslogInstall(cacheDir = defaultRsyslogCache): RsyslogInstall {
  const root = join(cacheDir, 'root');
  return {
    binary: join(root, 'usr', 'sbin', 'rsyslogd'),
    moduleDir: join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'rsyslog'),
    libraryPath: [join(root, 'usr', 'lib', 'x86_64-linux-gnu'), join(root, 'lib', 'x86_64-linux-gnu')].join(
      ':',
    ),
  };
}

/** Downloads and unpacks the packages once; returns the install. */
export function ensureRsyslog(
  cacheDir = defaultRsyslogCache,
  log: (line: string) => void = () => {},
): RsyslogInstall {
  const install = rsyslogInstall(cacheDir);
  if (existsSync(install.binary) && existsSync(join(install.moduleDir, 'imjournal.so'))) return install;
  unpackDebs(rsyslogJournalPackages, cacheDir, log);
  if (!existsSync(join(install.moduleDir, 'imjournal.so')))
    throw new Error(
      `imjournal.so is not in ${install.moduleDir} after unpacking ${rsyslogJournalPackages.join(' ')}`,
    );
  return install;
}

/** `rsyslogd -v`'s version, e.g. `8.2302.0`. */
export function rsyslogVersion(install: RsyslogInstall): string | undefined {
  const out = spawnSync(install.binary, ['-v'], {
    encoding: 'utf8',
    env: { ...process.env, LD_LIBRARY_PATH: install.libraryPath },
  });
  return /rsyslogd\s+([\d.]+)/.exec(out.stdout ?? '')?.[1];
}

/**
 * The rsyslog.conf of one run (pure): imjournal reading every journal on the host, no rate
 * limit, from the start of the journal; each entry written by omfile as one JSON line with
 * the ECS names kiln gives the same journal fields (agent/sources/journald/event-builder.ts).
 */
export function imjournalConf(o: { workDir: string; output: string }): string {
  return `# kiln journald benchmark: imjournal -> omfile, nothing else loaded.
global(workDirectory="${o.workDir}")
module(load="imjournal" Remote="on" IgnorePreviousMessages="off" Ratelimit.Interval="0"
       StateFile="${join(o.workDir, 'imjournal.state')}" PersistStateInterval="${imjournalSettings.persistStateInterval}")

template(name="ecs" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
  property(outname="log.syslog.priority" name="$!PRIORITY" format="jsonf")
  property(outname="log.syslog.appname" name="$!SYSLOG_IDENTIFIER" format="jsonf")
  property(outname="process.pid" name="$!_PID" format="jsonf")
  property(outname="process.name" name="$!_COMM" format="jsonf")
  property(outname="systemd.unit" name="$!_SYSTEMD_UNIT" format="jsonf")
  property(outname="systemd.transport" name="$!_TRANSPORT" format="jsonf")
  property(outname="host.boot.id" name="$!_BOOT_ID" format="jsonf")
}

action(type="omfile" file="${o.output}" template="ecs")
`;
}

/** Every journal file sd_journal_open() could find on this host, in the search paths. */
export function visibleJournalFiles(paths: readonly string[] = journalSearchPaths): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.journal~?$/.test(entry.name)) found.push(path);
    }
  };
  for (const path of paths) walk(path);
  return found;
}

/** Counts the lines of a growing file, reading only what was added since the last call. */
export class LineCounter {
  readonly #path: string;
  #offset = 0;
  #lines = 0;
  readonly #buffer = Buffer.alloc(1 << 20);

  constructor(path: string) {
    this.#path = path;
  }

  /** Lines (newlines) in the file now; 0 while it does not exist. */
  count(): number {
    if (!existsSync(this.#path)) return 0;
    const fd = openSync(this.#path, 'r');
    try {
      for (;;) {
        const read = readSync(fd, this.#buffer, 0, this.#buffer.length, this.#offset);
        if (read === 0) break;
        this.#offset += read;
        for (let i = 0; i < read; i++) if (this.#buffer[i] === 10) this.#lines++;
      }
    } finally {
      closeSync(fd);
    }
    return this.#lines;
  }
}

/** One imjournal run: time from start until every entry is in the output file, rsyslogd's CPU, the lines written. */
export interface ImjournalRun {
  label: string;
  seconds: number;
  cpu: number;
  lines: number;
}

/**
 * Runs rsyslogd in the foreground (-n, own config, pid file, work folder and state file) on
 * `journalFile`, copied into /var/log/journal/remote/ for the run. Refuses when other journal
 * files are visible: imjournal would read those too.
 */
export async function measureImjournal(o: {
  install: RsyslogInstall;
  journalFile: string;
  entries: number;
  dir: string;
}): Promise<ImjournalRun> {
  const others = visibleJournalFiles();
  if (others.length > 0) {
    throw new Error(
      `imjournal (Remote="on") would read ${others.length} other journal file(s) too: ${others.slice(0, 3).join(', ')}`,
    );
  }
  const work = join(o.dir, 'rsyslog');
  mkdirSync(work, { recursive: true });
  const output = join(work, 'out.json');
  const conf = join(work, 'rsyslog.conf');
  writeFileSync(conf, imjournalConf({ workDir: work, output }));
  const env = { ...process.env, LD_LIBRARY_PATH: o.install.libraryPath };
  const args = ['-M', o.install.moduleDir, '-f', conf];
  const check = spawnSync(o.install.binary, ['-N1', ...args], { encoding: 'utf8', env });
  if (check.status !== 0) throw new Error(`rsyslog refused ${conf}: ${check.stderr.trim()}`);

  const madeDir = !existsSync(remoteJournalDir);
  const placed = join(remoteJournalDir, `kiln-bench-${process.pid}.journal`);
  mkdirSync(remoteJournalDir, { recursive: true });
  copyFileSync(o.journalFile, placed);
  const log = openSync(join(work, 'rsyslogd.out'), 'a');
  let rsyslogd: ChildProcess | undefined;
  try {
    const counter = new LineCounter(output);
    const started = performance.now();
    rsyslogd = spawn(o.install.binary, ['-n', ...args, '-i', join(work, 'rsyslogd.pid')], {
      stdio: ['ignore', log, log],
      env,
    });
    const sampler = new TreeSampler(rsyslogd.pid!);
    const deadline = Date.now() + 600_000;
    while (counter.count() < o.entries) {
      if (rsyslogd.exitCode !== null || rsyslogd.signalCode !== null)
        throw new Error(
          `rsyslogd exited after ${counter.count()} of ${o.entries} lines; see ${join(work, 'rsyslogd.out')}`,
        );
      if (Date.now() > deadline)
        throw new Error(`imjournal wrote ${counter.count()} of ${o.entries} lines in 600 s`);
      sampler.sample();
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    sampler.sample();
    const cpu = sampler.usage().cpuSeconds;
    await stop(rsyslogd, 'SIGTERM');
    return {
      label: `rsyslog ${rsyslogVersion(o.install) ?? '?'} imjournal`,
      seconds,
      cpu,
      lines: counter.count(),
    };
  } finally {
    if (rsyslogd) await stop(rsyslogd, 'SIGKILL');
    closeSync(log);
    rmSync(placed, { force: true });
    if (madeDir) rmSync(remoteJournalDir, { recursive: true, force: true });
  }
}

/** Sends `signal` unless it has exited; resolves once it has. */
async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
