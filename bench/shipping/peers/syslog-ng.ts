/**
 * syslog-ng from Debian without installing it: `syslog-ng-core` conflicts with rsyslog (both
 * provide system-log-daemon), so its packages are fetched with `apt-get download`, unpacked with
 * `dpkg -x` into a cache directory and run from there (LD_LIBRARY_PATH, --module-path, the SCL
 * file of elasticsearch-http() included by absolute path), in the foreground with its own
 * persist, pid and control files.
 * elasticsearch-http(): https://syslog-ng.github.io/admin-guide/070_Destinations/040_Elasticsearch-http/README
 * wildcard-file(): https://syslog-ng.github.io/admin-guide/060_Sources/020_File/002_Wildcard-file/README
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpackDebs } from '../debs.ts';
import { countDocs, dropIndices, indexedOps, putPeerTemplate } from '../es-target.ts';
import type { BenchContext, Shipper } from '../shipper.ts';

/** Debian 12 packages unpacked for syslog-ng: the daemon, its HTTP module, the SCL, and the libraries a stock Debian 12 lacks. */
export const syslogNgPackages = [
  'syslog-ng-core',
  'syslog-ng-mod-http',
  'syslog-ng-scl',
  'libivykis0',
  'libnet1',
  'libpcre3',
] as const;

/** Default cache directory of the unpacked packages. */
export const defaultSyslogNgCache = '/var/cache/kiln/bench/syslog-ng';

/** The settings the benchmark gives syslog-ng. */
export const syslogNgSettings = {
  /** Events per bulk request. */
  batchLines: 2000,
  /** Most bytes per bulk request. */
  batchBytes: 8 * 1024 * 1024,
  /** Flush a partial batch after this long (ms). */
  batchTimeoutMs: 1000,
  workers: 2,
  /** Source window: how many lines may be in flight before reading waits (flow control: no loss). */
  logIwSize: 100_000,
} as const;

/** Where the unpacked syslog-ng lives. */
export interface SyslogNgInstall {
  root: string;
  binary: string;
  modulePath: string;
  libraryPath: string;
  sclDir: string;
}

/** The install under `cacheDir`, or undefined while it is not unpacked. */
export function syslogNgInstall(cacheDir = defaultSyslogNgCache): SyslogNgInstall {
  const root = join(cacheDir, 'root');
  const libDir = join(root, 'usr', 'lib', 'syslog-ng');
  const version = existsSync(libDir) ? readdirSync(libDir).find((d) => /^\d+\.\d+$/.test(d)) : undefined;
  return {
    root,
    binary: join(root, 'usr', 'sbin', 'syslog-ng'),
    modulePath: join(libDir, version ?? '3.38'),
    libraryPath: [
      libDir,
      join(root, 'usr', 'lib', 'x86_64-linux-gnu'),
      join(root, 'lib', 'x86_64-linux-gnu'),
    ].join(':'),
    sclDir: join(root, 'usr', 'share', 'syslog-ng', 'include', 'scl'),
  };
}

/** Downloads and unpacks the packages once (apt-get download + dpkg -x); returns the install. */
export function ensureSyslogNg(
  cacheDir = defaultSyslogNgCache,
  log: (line: string) => void = () => {},
): SyslogNgInstall {
  const install = syslogNgInstall(cacheDir);
  if (existsSync(install.binary) && existsSync(join(install.sclDir, 'elasticsearch'))) return install;
  unpackDebs(syslogNgPackages, cacheDir, log);
  return syslogNgInstall(cacheDir);
}

/** The environment syslog-ng needs to find its unpacked libraries. */
export function syslogNgEnv(install: SyslogNgInstall): NodeJS.ProcessEnv {
  return { LD_LIBRARY_PATH: install.libraryPath };
}

/** `syslog-ng --version`'s version, e.g. `3.38.1`. */
export function syslogNgVersion(install: SyslogNgInstall): string | undefined {
  if (!existsSync(install.binary)) return undefined;
  const out = spawnSync(install.binary, ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, ...syslogNgEnv(install) },
  });
  return /syslog-ng \d+ \(([\d.]+)\)/.exec(out.stdout ?? '')?.[1];
}

/** The syslog-ng.conf for one run (pure). */
export function syslogNgConf(o: { sclDir: string; logDir: string; esUrl: string; index: string }): string {
  const s = syslogNgSettings;
  return `@version: 3.38
# kiln shipping benchmark: wildcard-file() -> elasticsearch-http(), with flow control (no drops).
@include "${join(o.sclDir, 'elasticsearch', 'elastic-http.conf')}"

options { stats-freq(0); use-dns(no); use-fqdn(no); keep-hostname(yes); chain-hostnames(no); log-fifo-size(${s.logIwSize}); };

source s_files {
  wildcard-file(base-dir("${o.logDir}") filename-pattern("*.log") recursive(no) flags(no-parse)
                follow-freq(1) log-iw-size(${s.logIwSize}) log-fetch-limit(1000) max-files(64));
};

destination d_es {
  elasticsearch-http(url("${o.esUrl}/_bulk") index("${o.index}") type("")
                     workers(${s.workers}) batch-lines(${s.batchLines}) batch-bytes(${s.batchBytes}) batch-timeout(${s.batchTimeoutMs})
                     template("$(format-json --scope none @timestamp=\${R_ISODATE} message=\${MESSAGE} log.file.path=\${FILE_NAME})"));
};

log { source(s_files); destination(d_es); flags(flow-control); };
`;
}

/** syslog-ng as a benchmark shipper. */
export function syslogNgShipper(ctx: BenchContext, install: SyslogNgInstall): Shipper {
  const index = `${ctx.prefix}-syslog-ng`;
  const dir = ctx.workDir('syslog-ng');
  const s = syslogNgSettings;
  return {
    name: `syslog-ng ${syslogNgVersion(install) ?? '?'}`,
    settings: `wildcard-file() flow-control, log-iw-size ${s.logIwSize} → elasticsearch-http() ${s.batchLines} lines / ≤${s.batchBytes / 1024 / 1024} MiB per bulk, ${s.workers} workers`,
    async setUp() {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'syslog-ng.conf'),
        syslogNgConf({ sclDir: install.sclDir, logDir: ctx.logDir, esUrl: ctx.esUrl, index }),
      );
      await putPeerTemplate(ctx.esUrl, index, [index]);
    },
    async launch() {
      const args = [
        '-F',
        '-f',
        join(dir, 'syslog-ng.conf'),
        `--module-path=${install.modulePath}`,
        '-R',
        join(dir, 'syslog-ng.persist'),
        '-p',
        join(dir, 'syslog-ng.pid'),
        '-c',
        join(dir, 'syslog-ng.ctl'),
        '--no-caps',
      ];
      const env = { ...process.env, ...syslogNgEnv(install) };
      const check = spawnSync(install.binary, ['-s', ...args.slice(1)], { encoding: 'utf8', env });
      if (check.status !== 0) {
        const reason = check.stderr.split('\n').find((l) => /error/i.test(l)) ?? check.stderr.trim();
        throw new Error(`syslog-ng refused its config: ${reason}`);
      }
      return ctx.processes.start(
        'syslog-ng',
        install.binary,
        args,
        join(dir, 'syslog-ng.out'),
        syslogNgEnv(install),
      );
    },
    index,
    restartable: true,
    tails: true,
    collector: () => undefined,
    delivered: () => countDocs(ctx.esUrl, index),
    indexed: () => indexedOps(ctx.esUrl, index),
    async tearDown() {
      await dropIndices(ctx.esUrl, index, index);
    },
  };
}
