/**
 * CPU seconds and peak memory of a process tree, read from /proc.
 * Fields: https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html and proc_pid_status.5.html
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second (`getconf CLK_TCK`); 100 on every Linux kernel Node supports here. */
const ticksPerSecond = 100;

/** What /proc/<pid>/stat says about one process. */
export interface StatLine {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): StatLine {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // After ") " come field 3 (state), 4 (ppid) … 14 (utime), 15 (stime).
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  return { pid, ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

/** VmHWM (peak resident set) from /proc/<pid>/status, in bytes; 0 when absent (kernel threads, zombies). */
export function parseHighWaterMark(text: string): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The pid and all its descendants now alive. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = readOrUndefined(`/proc/${entry}/stat`);
    if (!text) continue;
    const { pid, ppid } = parseStat(text);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Usage of a process tree: CPU seconds (user + sys) and the sum of each process's peak RSS. */
export interface TreeUsage {
  cpuSeconds: number;
  peakRssBytes: number;
}

/**
 * Samples a process tree: remembers, per pid, the latest CPU ticks and the peak RSS, so a
 * process that exits between samples still counts with what it had used at its last sample.
 */
export class TreeSampler {
  readonly #rootPid: number;
  readonly #ticks = new Map<number, number>();
  readonly #peaks = new Map<number, number>();
  readonly #baseTicks = new Map<number, number>();

  /** Starts sampling `rootPid`'s tree; CPU already used by a long-running tree is subtracted. */
  constructor(rootPid: number, subtractCurrent = false) {
    this.#rootPid = rootPid;
    this.sample();
    if (subtractCurrent) for (const [pid, ticks] of this.#ticks) this.#baseTicks.set(pid, ticks);
  }

  /** Reads the tree once. */
  sample(): void {
    for (const pid of processTree(this.#rootPid)) {
      const stat = readOrUndefined(`/proc/${pid}/stat`);
      if (stat) this.#ticks.set(pid, parseStat(stat).cpuTicks);
      const status = readOrUndefined(`/proc/${pid}/status`);
      if (status) this.#peaks.set(pid, Math.max(this.#peaks.get(pid) ?? 0, parseHighWaterMark(status)));
    }
  }

  /** Usage so far (call sample() first for an up-to-date figure). */
  usage(): TreeUsage {
    let ticks = 0;
    for (const [pid, t] of this.#ticks) ticks += t - (this.#baseTicks.get(pid) ?? 0);
    let peak = 0;
    for (const p of this.#peaks.values()) peak += p;
    return { cpuSeconds: ticks / ticksPerSecond, peakRssBytes: peak };
  }
}
