/**
 * Measures one shipper: the clock starts when its process starts and stops when every generated
 * line is searchable (or acknowledged, for the agent alone); CPU and peak RSS come from /proc.
 */
import { sleep } from '../../lib/retry.ts';
import type { CrashResult } from './crash.ts';
import { sampleDoc } from './es-target.ts';
import { TreeSampler, type TreeUsage } from './proc-stats.ts';
import type { Processes } from './processes.ts';
import { progressOf, type Shipper } from './shipper.ts';
import type { SteadyResult } from './steady.ts';

/** One row of the results. */
export interface Measurement {
  name: string;
  settings: string;
  expectedDocs: number;
  deliveredDocs: number;
  /** Start of the shipper → all documents searchable, in seconds. */
  seconds: number;
  /** Bytes of the generated files. */
  bytes: number;
  shipper: TreeUsage;
  collector?: TreeUsage;
  /** CPU seconds Elasticsearch spent during this shipper's run (when the benchmark started it). */
  esCpuSeconds?: number;
  /** Why the row is incomplete, when it is. */
  problem?: string;
  /** The crash column (SIGKILL mid-run, restart), or why it does not apply. */
  crash?: CrashResult | string;
  /** Memory at 10 000 lines/s over 60 s, or why it does not apply. */
  steady?: SteadyResult | string;
}

/** How to measure. */
export interface MeasureOptions {
  expectedDocs: number;
  bytes: number;
  processes: Processes;
  /** Give up after this long and report what arrived. */
  timeoutMs: number;
  /** How often `_refresh` + `_count` are polled. */
  pollMs: number;
  /** Elasticsearch's pid when the benchmark started it, to report its CPU per shipper. */
  esPid?: number;
  /** Aborted on Ctrl-C / SIGTERM: the row ends as interrupted. */
  signal: AbortSignal;
  /** Where documents are counted and sampled. */
  esUrl: string;
  log: (line: string) => void;
}

/** Runs one shipper to completion and returns its figures; tears it down whatever happens. */
export async function measure(shipper: Shipper, o: MeasureOptions): Promise<Measurement> {
  const row: Measurement = {
    name: shipper.name,
    settings: shipper.settings,
    expectedDocs: o.expectedDocs,
    deliveredDocs: 0,
    seconds: 0,
    bytes: o.bytes,
    shipper: { cpuSeconds: 0, peakRssBytes: 0 },
  };
  try {
    await shipper.setUp();
    const collectorProcess = shipper.collector();
    // Start-up work of long-running servers (the collector, Elasticsearch) is not the shipment's.
    const collector = collectorProcess?.process.pid
      ? new TreeSampler(collectorProcess.process.pid, true)
      : undefined;
    const es = o.esPid ? new TreeSampler(o.esPid, true) : undefined;
    const started = performance.now();
    const child = await shipper.launch();
    const sampler = new TreeSampler(child.process.pid ?? -1);
    let lastLog = started;
    for (;;) {
      await sleep(o.pollMs);
      for (const s of [sampler, collector, es]) s?.sample();
      // Progress without a refresh; the exact count (with one) once it says all have arrived.
      row.deliveredDocs = await progressOf(shipper);
      row.seconds = (performance.now() - started) / 1000;
      if (row.deliveredDocs >= o.expectedDocs) {
        row.deliveredDocs = await shipper.delivered();
        if (row.deliveredDocs >= o.expectedDocs) break;
      }
      if (o.signal.aborted) {
        row.problem = `interrupted after ${Math.round(row.seconds)} s`;
        break;
      }
      if (!child.running()) {
        // A shipper that exits when done (the raw loader) may finish between the count and this check.
        row.deliveredDocs = await shipper.delivered();
        if (row.deliveredDocs < o.expectedDocs) row.problem = `${child.name} exited early: ${child.tail(5)}`;
        break;
      }
      if (row.seconds * 1000 > o.timeoutMs) {
        row.problem = `timed out after ${Math.round(row.seconds)} s`;
        break;
      }
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        o.log(
          `  ${shipper.name}: ${row.deliveredDocs} of ${o.expectedDocs} after ${Math.round(row.seconds)} s`,
        );
      }
    }
    row.shipper = sampler.usage();
    if (collector) row.collector = collector.usage();
    if (es) row.esCpuSeconds = es.usage().cpuSeconds;
    if (row.deliveredDocs > o.expectedDocs)
      row.problem = `${row.deliveredDocs - o.expectedDocs} documents too many`;
    await o.processes.stop(child);
    if (shipper.index) o.log(`  a document: ${JSON.stringify(await sampleDoc(o.esUrl, shipper.index))}`);
  } catch (error) {
    row.problem = error instanceof Error ? error.message : String(error);
  } finally {
    await shipper
      .tearDown()
      .catch((error) => o.log(`  tear-down of ${shipper.name} failed: ${String(error)}`));
  }
  return row;
}
