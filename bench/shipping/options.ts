/** Command-line options of `node bench/shipping/run.ts` (pure parsing, each option's default stated). */
import { parseArgs } from 'node:util';

/** The shippers, in the order they run. */
export const shipperIds = ['kiln', 'bulk', 'rsyslog', 'syslog-ng', 'otelcol', 'kiln-alone'] as const;
/** One shipper id. */
export type ShipperId = (typeof shipperIds)[number];

/** The benchmark's options. */
export interface BenchOptions {
  /** Size of the generated data. Default 1024 MiB. */
  sizeMib: number;
  /** Number of files. Default 4. */
  files: number;
  /** Generator seed. Default 42. */
  seed: number;
  /** Use this Elasticsearch instead of starting one (development only). Default: start `bench`. */
  esUrl?: string;
  /** Prefix of indices and templates. Default `bench` (own ES) or `bench-<random>` (given ES). */
  prefix?: string;
  /** Shippers to run. Default all. */
  only: ShipperId[];
  /** Heap of the benchmark's Elasticsearch. Default 2g. */
  heap: string;
  /** Per-shipper time limit. Default 60 min. */
  timeoutMin: number;
  /** How often _refresh + _count are polled. Default 1000 ms. */
  pollMs: number;
  /** Write the section of bench/RESULTS.md. Default true. */
  record: boolean;
  /** The results file. Default bench/RESULTS.md. */
  resultsFile: string;
  /** Where syslog-ng's packages are unpacked. Default /var/cache/kiln/bench/syslog-ng. */
  syslogNgCache: string;
  /** Where the OpenTelemetry Collector is built. Default /var/cache/kiln/bench/otelcol. */
  otelcolCache: string;
  /** Throwaway documents that warm Elasticsearch up before the first shipper. Default 1 000 000. */
  warmUpDocs: number;
  /** Size of the data set of the crash column (SIGKILL, restart, lost/doubled); 0 skips it. Default 64 MiB. */
  crashMib: number;
  /** Seconds of the steady 10 000 lines/s memory run; 0 skips it. Default 60. */
  steadySeconds: number;
  /** Run the first shipper again at the end (shows whether the warm-up was enough). Default true. */
  repeatFirst: boolean;
}

/** Usage text. */
export const usage = `usage: node bench/shipping/run.ts [options]
  --size-mib N        data to generate (default 1024)
  --files N           number of log files (default 4)
  --seed N            generator seed (default 42)
  --only LIST         comma-separated subset of ${shipperIds.join(',')} (default all)
  --es-url URL        use this Elasticsearch instead of starting a local one (development)
  --prefix P          index/template prefix (default bench, or bench-<random> with --es-url)
  --heap SIZE         heap of the benchmark's Elasticsearch (default 2g)
  --timeout-min N     give up on one shipper after N minutes (default 60)
  --poll-ms N         _refresh + _count interval (default 1000)
  --no-record         do not write bench/RESULTS.md
  --results FILE      results file (default bench/RESULTS.md)
  --syslog-ng-cache D where syslog-ng is unpacked (default /var/cache/kiln/bench/syslog-ng)
  --otelcol-cache D   where the OpenTelemetry Collector is built (default /var/cache/kiln/bench/otelcol)
  --warm-up-docs N    throwaway documents before the first shipper (default 1000000)
  --crash-mib N       data of the crash column: SIGKILL mid-run, restart, lost/doubled (default 64; 0 skips)
  --steady-seconds N  the 10 000 lines/s memory run (default 60; 0 skips)
  --no-repeat-first   do not run the first shipper again at the end
example: node bench/shipping/run.ts --size-mib 50 --es-url http://127.0.0.1:19200 --no-record`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} expects a positive number, got "${value}"`);
  return n;
}

/** Parses argv (without node and the script). */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      'size-mib': { type: 'string' },
      files: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      'es-url': { type: 'string' },
      prefix: { type: 'string' },
      heap: { type: 'string' },
      'timeout-min': { type: 'string' },
      'poll-ms': { type: 'string' },
      record: { type: 'boolean' },
      results: { type: 'string' },
      'syslog-ng-cache': { type: 'string' },
      'otelcol-cache': { type: 'string' },
      'warm-up-docs': { type: 'string' },
      'crash-mib': { type: 'string' },
      'steady-seconds': { type: 'string' },
      'repeat-first': { type: 'boolean' },
    },
  });
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...shipperIds];
  for (const id of only) {
    if (!(shipperIds as readonly string[]).includes(id)) {
      throw new Error(`--only: unknown shipper "${id}"; expected some of ${shipperIds.join(', ')}`);
    }
  }
  return {
    sizeMib: positive('size-mib', values['size-mib'], 1024),
    files: Math.round(positive('files', values.files, 4)),
    seed: Math.round(positive('seed', values.seed, 42)),
    ...(values['es-url'] ? { esUrl: values['es-url'].replace(/\/$/, '') } : {}),
    ...(values.prefix ? { prefix: values.prefix } : {}),
    only: shipperIds.filter((id) => only.includes(id)),
    heap: values.heap ?? '2g',
    timeoutMin: positive('timeout-min', values['timeout-min'], 60),
    pollMs: positive('poll-ms', values['poll-ms'], 1000),
    record: values.record ?? true,
    resultsFile: values.results ?? 'bench/RESULTS.md',
    syslogNgCache: values['syslog-ng-cache'] ?? '/var/cache/kiln/bench/syslog-ng',
    otelcolCache: values['otelcol-cache'] ?? '/var/cache/kiln/bench/otelcol',
    warmUpDocs: Math.round(positive('warm-up-docs', values['warm-up-docs'], 1_000_000)),
    crashMib: values['crash-mib'] === '0' ? 0 : positive('crash-mib', values['crash-mib'], 64),
    steadySeconds:
      values['steady-seconds'] === '0' ? 0 : positive('steady-seconds', values['steady-seconds'], 60),
    repeatFirst: values['repeat-first'] ?? true,
  };
}
