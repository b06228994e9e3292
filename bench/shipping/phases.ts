/**
 * The benchmark's phases after the main rows: the crash column (each shipper with checkpoints
 * SIGKILLed mid-run on its own data set, restarted, lost/doubled counted), the steady
 * 10 000 lines/s memory run of each shipper that tails files, and the first shipper again at
 * the end (the warm-up check). Each phase adds to the rows the main loop measured.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { measureCrash } from './crash.ts';
import { generateLogs } from './generate.ts';
import type { Measurement } from './measure.ts';
import type { ShipperId } from './options.ts';
import { type BenchContext, benchContext, type Shipper } from './shipper.ts';
import { measureSteady } from './steady.ts';

/** What the phases need from the run. */
export interface PhaseContext {
  base: BenchContext;
  /** The run's temporary directory. */
  temp: string;
  /** A shipper for `id` in `ctx`, or why it cannot run. */
  make(id: ShipperId, ctx: BenchContext): Shipper | string;
  timeoutMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

function context(p: PhaseContext, name: string, logDir: string, files: BenchContext['files']): BenchContext {
  const { workDir: _, ...base } = p.base;
  return benchContext({
    ...base,
    prefix: `${p.base.prefix}-${name}`,
    logDir,
    files,
    workRoot: join(p.temp, `work-${name}`),
  });
}

/** Adds the crash column to `rows` (by shipper id). */
export async function crashPhase(
  p: PhaseContext,
  ids: readonly ShipperId[],
  rows: Map<ShipperId, Measurement>,
  sizeMib: number,
): Promise<void> {
  const logDir = join(p.temp, 'logs-crash');
  mkdirSync(logDir, { recursive: true });
  const files = await generateLogs({ dir: logDir, totalBytes: sizeMib * 1024 * 1024, seed: 4242 });
  const ctx = context(p, 'crash', logDir, files);
  for (const id of ids) {
    const row = rows.get(id);
    if (!row || p.signal.aborted) continue;
    const shipper = p.make(id, ctx);
    if (typeof shipper === 'string') continue;
    if (!shipper.restartable || !shipper.index) {
      row.crash = 'no checkpoints';
      continue;
    }
    p.log(`${shipper.name}: crash run (${sizeMib} MiB, SIGKILL at 40 %)…`);
    row.crash = await measureCrash(shipper, {
      files,
      esUrl: p.base.esUrl,
      processes: p.base.processes,
      timeoutMs: p.timeoutMs,
      log: p.log,
    });
    p.log(`  ${JSON.stringify(row.crash)}`);
  }
}

/** Adds the steady-rate memory figures to `rows`. */
export async function steadyPhase(
  p: PhaseContext,
  ids: readonly ShipperId[],
  rows: Map<ShipperId, Measurement>,
  seconds: number,
): Promise<void> {
  for (const id of ids) {
    const row = rows.get(id);
    if (!row || p.signal.aborted) continue;
    const logDir = join(p.temp, `logs-steady-${id}`);
    mkdirSync(logDir, { recursive: true });
    const shipper = p.make(id, context(p, 'steady', logDir, []));
    if (typeof shipper === 'string') continue;
    if (!shipper.tails) {
      row.steady = 'reads files once';
      continue;
    }
    p.log(`${shipper.name}: 10 000 lines/s for ${seconds} s…`);
    row.steady = await measureSteady(shipper, { logDir, processes: p.base.processes, seconds, log: p.log });
    p.log(`  ${JSON.stringify(row.steady)}`);
  }
}
