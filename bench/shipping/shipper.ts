/** What the benchmark knows about one shipper: how to set it up, start it, and count what it delivered. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedFile } from './generate.ts';
import type { Child, Processes } from './processes.ts';

/** Shared facts of one benchmark run, handed to every shipper. */
export interface BenchContext {
  esUrl: string;
  /** Prefix of every index and template the run creates. */
  prefix: string;
  /** The directory holding the generated log files. */
  logDir: string;
  files: GeneratedFile[];
  /** A directory of its own for each shipper's config and state: `workDir(name)`. */
  workDir(name: string): string;
  processes: Processes;
  /** The repository root (dist/ lives there). */
  root: string;
}

/** One shipper in the comparison. */
export interface Shipper {
  /** Row label, e.g. `rsyslog 8.2302.0`. */
  name: string;
  /** The settings it got, one line for the results table's notes. */
  settings: string;
  /** The index pattern its documents land in (none for the agent alone). */
  index?: string;
  /** Where its documents keep the line (default `message`), for the crash comparison. */
  messageField?: string;
  /** It keeps checkpoints, so a SIGKILL and a restart can be measured (the raw loader has none). */
  restartable?: boolean;
  /** It tails files, so the steady 10 000 lines/s memory run applies (the raw loader reads once). */
  tails?: boolean;
  /** Before the clock starts: templates, a collector, tokens. */
  setUp(): Promise<void>;
  /** Starts the shipper; the clock runs from here. */
  launch(): Promise<Child>;
  /** The collector process, when the shipper has one (its CPU and memory are reported apart). */
  collector(): Child | undefined;
  /** Stops the collector (same address and state kept), when the shipper has one: the drain bench. */
  stopCollector?(): Promise<void>;
  /** Starts it again after stopCollector(). */
  startCollector?(): Promise<void>;
  /** How many of the generated lines have arrived (searchable documents, or acknowledged events). */
  delivered(): Promise<number>;
  /**
   * How many it has indexed so far, without forcing a refresh (es-target.ts `indexedOps`): what
   * the benchmark polls while a shipment runs; `delivered()` gives the exact figure at the end.
   */
  indexed?(): Promise<number>;
  /** After the measurement: stop what it started, drop its indices. */
  tearDown(): Promise<void>;
}

/** A context whose work directories are `<workRoot>/<shipper>`, made on first use. */
export function benchContext(o: Omit<BenchContext, 'workDir'> & { workRoot: string }): BenchContext {
  const { workRoot, ...shared } = o;
  return {
    ...shared,
    workDir: (name) => {
      const dir = join(workRoot, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}

/** The shipper's progress count: `indexed()` when it has one, else `delivered()`. */
export function progressOf(shipper: Shipper): Promise<number> {
  return shipper.indexed ? shipper.indexed() : shipper.delivered();
}
