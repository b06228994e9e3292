/**
 * The OpenTelemetry Collector as a peer: the filelog receiver (checkpoints in the file_storage
 * extension) → the elasticsearch exporter (persistent sending queue in the same file_storage,
 * sized in items), nothing else. Built once from bench/shipping/otelcol (go.mod + main.go, the
 * contrib modules at v0.156.0 through the Go module proxy, and a local stand-in for
 * go.opentelemetry.io/ebpf-profiler, which the proxy does not serve and the logs path never
 * calls) into kiln's cache, never into the repository.
 * filelog: https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/filelogreceiver
 * elasticsearch exporter: https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/exporter/elasticsearchexporter
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countDocs, dropIndices, indexedOps, putPeerTemplate } from '../es-target.ts';
import type { BenchContext, Shipper } from '../shipper.ts';

/** The contrib release the peer is built from. */
export const otelcolVersion = '0.156.0';

/** The settings the benchmark gives the collector. */
export const otelcolSettings = {
  /** Items the sending queue holds (the default of 10 *requests* stalls filelog at ~940 docs/s). */
  queueItems: 100_000,
  /** Items per bulk request (the exporter's batcher, sized in items). */
  batchItems: 2000,
  consumers: 2,
  /** How often filelog looks for new data (ms). */
  pollIntervalMs: 200,
} as const;

/** The collector's config for one run (pure). Mapping mode `raw`: the minimal cluster has no data streams. */
export function otelcolConfig(o: {
  logGlob: string;
  storageDir: string;
  esUrl: string;
  index: string;
}): string {
  const s = otelcolSettings;
  return `# kiln shipping benchmark: filelog (file_storage checkpoints) -> elasticsearch exporter.
extensions:
  file_storage:
    directory: ${o.storageDir}
    create_directory: true
receivers:
  file_log:
    include: [${JSON.stringify(o.logGlob)}]
    start_at: beginning
    include_file_path: true
    poll_interval: ${s.pollIntervalMs}ms
    storage: file_storage
exporters:
  elasticsearch:
    endpoints: [${JSON.stringify(o.esUrl)}]
    logs_index: ${o.index}
    mapping:
      allowed_modes: [raw]
    retry:
      enabled: true
      max_retries: 1000
    sending_queue:
      enabled: true
      storage: file_storage
      sizer: items
      queue_size: ${s.queueItems}
      num_consumers: ${s.consumers}
      block_on_overflow: true
      batch:
        sizer: items
        min_size: ${s.batchItems}
        max_size: ${s.batchItems}
        flush_timeout: 1s
service:
  extensions: [file_storage]
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [file_log]
      exporters: [elasticsearch]
`;
}

/** The source directory of the collector (go.mod, main.go, the stand-in module). */
export const otelcolSourceDir = join(import.meta.dirname, '..', 'otelcol');

function sourceDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, name.name);
      if (name.isDirectory()) walk(path);
      else hash.update(`${path.slice(dir.length)}\0`).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}

/** Builds the collector once per source digest into `cacheDir`; returns the binary or why it cannot be built. */
export function ensureOtelcol(
  cacheDir: string,
  log: (line: string) => void = () => {},
): string | { problem: string } {
  const digest = sourceDigest(otelcolSourceDir);
  const binary = join(cacheDir, `kiln-bench-otelcol-${digest}`);
  if (existsSync(binary)) return binary;
  const work = join(cacheDir, `src-${digest}`);
  mkdirSync(work, { recursive: true });
  cpSync(otelcolSourceDir, work, { recursive: true });
  log(`building the OpenTelemetry Collector ${otelcolVersion} in ${work} (go mod tidy, go build)…`);
  for (const args of [
    ['mod', 'tidy'],
    ['build', '-trimpath', '-ldflags=-s -w', '-o', binary, '.'],
  ]) {
    const result = spawnSync('go', args, {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
    if (result.error) return { problem: `go not found: ${result.error.message}` };
    if (result.status !== 0)
      return {
        problem: `go ${args[0]} failed: ${(result.stderr || '').trim().split('\n').slice(-3).join(' ')}`,
      };
  }
  return binary;
}

/** The OpenTelemetry Collector as a benchmark shipper. */
export function otelcolShipper(ctx: BenchContext, binary: string): Shipper {
  const index = `${ctx.prefix}-otelcol`;
  const dir = ctx.workDir('otelcol');
  const s = otelcolSettings;
  return {
    name: `OpenTelemetry Collector ${otelcolVersion}`,
    settings: `filelog (file_storage checkpoints) → elasticsearch exporter, raw mapping, persistent sending_queue of ${s.queueItems} items, ${s.batchItems} items per bulk, ${s.consumers} consumers, gzip`,
    async setUp() {
      writeFileSync(
        join(dir, 'otelcol.yaml'),
        otelcolConfig({
          logGlob: join(ctx.logDir, '*.log'),
          storageDir: join(dir, 'storage'),
          esUrl: ctx.esUrl,
          index,
        }),
      );
      await putPeerTemplate(ctx.esUrl, index, [index]);
    },
    async launch() {
      return ctx.processes.start(
        'otelcol',
        binary,
        ['--config', join(dir, 'otelcol.yaml')],
        join(dir, 'otelcol.out'),
      );
    },
    index,
    messageField: 'Body',
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
