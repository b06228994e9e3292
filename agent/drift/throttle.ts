/**
 * A token bucket over bytes read: keeps hashing under `drift.maxReadBytesPerSecond`, so a drift
 * scan never competes with the workload for disk or CPU (hashing costs CPU per byte read).
 */
import type { ReadBudget } from '../baseline/scan.ts';

/** Options of the bucket. */
export interface ThrottleOptions {
  bytesPerSecond: number;
  /** Burst allowance. Default one second's worth. */
  burstBytes?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Creates a read budget of `bytesPerSecond`. */
export function createReadThrottle(options: ThrottleOptions): ReadBudget {
  const rate = options.bytesPerSecond;
  const burst = options.burstBytes ?? rate;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  let tokens = burst;
  let last = now();
  let queue: Promise<void> = Promise.resolve();
  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
    last = t;
  };
  return {
    take(bytes: number): Promise<void> {
      // Serialized: concurrent readers wait their turn instead of all overdrawing at once.
      queue = queue.then(async () => {
        refill();
        tokens -= bytes;
        if (tokens < 0) {
          await sleep(Math.ceil((-tokens / rate) * 1000));
          refill();
        }
      });
      return queue;
    },
  };
}
