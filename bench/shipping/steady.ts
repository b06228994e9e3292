/**
 * Memory at a steady rate: the shipper tails an empty directory while the benchmark appends
 * 10 000 lines a second (in 100 ms steps) to one file for 60 s; the shipper's RSS is sampled
 * every second. Reported: its peak RSS, its mean RSS over the second half, its CPU, and whether
 * it kept up (every line delivered within 30 s of the end).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../lib/retry.ts';
import { accessLine, jsonLine, seededRandom } from './generate.ts';
import { processTree, TreeSampler } from './proc-stats.ts';
import type { Processes } from './processes.ts';
import type { Shipper } from './shipper.ts';

/** What one steady run came to. */
export interface SteadyResult {
  linesPerSecond: number;
  seconds: number;
  peakRssBytes: number;
  meanRssBytes: number;
  cpuSeconds: number;
  written: number;
  delivered: number;
  problem?: string;
}

/** The current RSS of a process tree (VmRSS of each process, summed). */
export function rssBytes(rootPid: number): number {
  let total = 0;
  for (const pid of processTree(rootPid)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // gone between listing and reading
    }
  }
  return total;
}

/** Runs the steady scenario for one shipper tailing `logDir`; tears it down whatever happens. */
export async function measureSteady(
  shipper: Shipper,
  o: {
    logDir: string;
    processes: Processes;
    linesPerSecond?: number;
    seconds?: number;
    log: (l: string) => void;
  },
): Promise<SteadyResult> {
  const rate = o.linesPerSecond ?? 10_000;
  const seconds = o.seconds ?? 60;
  const result: SteadyResult = {
    linesPerSecond: rate,
    seconds,
    peakRssBytes: 0,
    meanRssBytes: 0,
    cpuSeconds: 0,
    written: 0,
    delivered: 0,
  };
  const file = join(o.logDir, 'steady.log');
  writeFileSync(file, '');
  const random = seededRandom(7);
  try {
    await shipper.setUp();
    const child = await shipper.launch();
    const pid = child.process.pid ?? -1;
    await sleep(3000); // start-up is not the steady state
    const sampler = new TreeSampler(pid, true);
    const secondHalf: number[] = [];
    const t0 = performance.now();
    let nextSample = 1000;
    for (let step = 0; step < seconds * 10; step++) {
      let chunk = '';
      const at = Date.now();
      for (let i = 0; i < rate / 10; i++)
        chunk += `${i % 2 === 0 ? accessLine(random, at) : jsonLine(random, at)}\n`;
      appendFileSync(file, chunk);
      result.written += rate / 10;
      const wait = (step + 1) * 100 - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
      if (performance.now() - t0 >= nextSample) {
        nextSample += 1000;
        sampler.sample();
        const rss = rssBytes(pid);
        result.peakRssBytes = Math.max(result.peakRssBytes, rss);
        if (performance.now() - t0 > (seconds * 1000) / 2) secondHalf.push(rss);
      }
      if (!child.running()) throw new Error(`${child.name} exited: ${child.tail(3)}`);
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      result.delivered = await shipper.delivered();
      if (result.delivered >= result.written) break;
      await sleep(1000);
    }
    sampler.sample();
    result.cpuSeconds = sampler.usage().cpuSeconds;
    result.meanRssBytes = secondHalf.reduce((a, b) => a + b, 0) / Math.max(1, secondHalf.length);
    if (result.delivered < result.written)
      result.problem = `kept up with ${result.delivered} of ${result.written} lines (30 s after the end)`;
    await o.processes.stop(child);
  } catch (error) {
    result.problem = error instanceof Error ? error.message : String(error);
  } finally {
    await shipper
      .tearDown()
      .catch((error) => o.log(`  tear-down of ${shipper.name} failed: ${String(error)}`));
  }
  return result;
}
