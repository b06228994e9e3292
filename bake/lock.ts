/**
 * One bake per key at a time. The second of two identical bakes waits for the first and then
 * reuses its result instead of failing or running again (Rosco's users saw concurrent identical
 * bakes fail). A lock older than `staleMs` belongs to a bake host that died and is broken.
 */
import { KilnError } from '../lib/errors.ts';
import type { BakeRecord, BakeStore } from './store/record.ts';

/** How long to wait and when a lock is stale. */
export interface LockOptions {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Give up waiting for the other bake after this long. Default 2 h. */
  waitMs?: number;
  /** Poll interval while waiting. Default 2000 ms. */
  pollMs?: number;
  /** A lock older than this is from a dead bake host. Default 6 h. */
  staleMs?: number;
  /** When true, a finished identical bake is not reused (`--force`). */
  force?: boolean;
  onWait?: (holderBakeId: string) => void;
}

/** Either this bake holds the lock, or an identical bake finished meanwhile and is reused. */
export type LockOutcome = { kind: 'acquired' } | { kind: 'reused'; record: BakeRecord };

/** Takes the lock of `key` for `bakeId`, waiting for an identical running bake. */
export async function acquireBakeLock(
  store: BakeStore,
  key: string,
  bakeId: string,
  options: LockOptions,
): Promise<LockOutcome> {
  const waitMs = options.waitMs ?? 2 * 3_600_000;
  const pollMs = options.pollMs ?? 2000;
  const staleMs = options.staleMs ?? 6 * 3_600_000;
  const startedMs = options.now();
  let announced = false;
  for (;;) {
    const attempt = await store.tryLock({ key, bakeId, acquiredAtMs: options.now() });
    if (attempt.acquired) {
      // The identical bake may have finished between our cache check and this lock: reuse it.
      const done = options.force ? undefined : await store.findSucceeded(key);
      if (!done) return { kind: 'acquired' };
      await store.unlock(key, bakeId);
      return { kind: 'reused', record: done };
    }
    const holder = attempt.holder;
    if (holder.bakeId !== 'unknown' && options.now() - holder.acquiredAtMs > staleMs) {
      await store.unlock(key, holder.bakeId);
      continue;
    }
    if (!options.force) {
      const done = await store.findSucceeded(key);
      if (done) return { kind: 'reused', record: done };
    }
    if (options.now() - startedMs >= waitMs) {
      throw new KilnError(
        'KILN_ERR_BAKE',
        `an identical bake (${holder.bakeId}, key ${key.slice(0, 12)}) has held the lock for over ${Math.round(waitMs / 1000)} s; wait for it to finish, or remove its lock from ${store.where} if its host died`,
      );
    }
    if (!announced) {
      options.onWait?.(holder.bakeId);
      announced = true;
    }
    await options.sleep(pollMs);
  }
}
