/**
 * The live side of a check (and the content of a capture): the sorted walk with every regular
 * file's sha256, taken from the stat cache when its size, mtime, ctime and inode are unchanged,
 * else hashed by the pool under the read budget. A bounded window of entries waits for its
 * hashes, so entries leave in walk order and memory stays flat whatever the tree's size.
 */
import { KilnError } from '../../lib/errors.ts';
import type { HashPool } from './hash-pool.ts';
import type { FileEntry } from './types.ts';
import type { WalkedEntry } from './walk.ts';

/** Paces reads: resolves once `bytes` may be read. */
export interface ReadBudget {
  take(bytes: number): Promise<void>;
}

/** What the stat cache remembers of a file to decide whether to hash it again. */
export interface CachedHash {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
}

/** Looks up paths in walk order (each call with a path after the previous one). */
export interface StatCacheReader {
  lookup(path: string): CachedHash | undefined | Promise<CachedHash | undefined>;
}

/**
 * Receives every hashed file in walk order (to write the next stat cache); a file whose cached
 * hash was fresh is added with the very object lookup() returned, so the writer can tell.
 */
export interface StatCacheWriter {
  /** A promise only when the caller must wait (for the file to take more). */
  add(path: string, value: CachedHash): void | Promise<void>;
}

/** Counters of one scan, for logs, tests and the benchmark. */
export interface HashStats {
  hashed: number;
  cached: number;
  bytesRead: number;
}

/** How to hash. */
export interface HashingOptions {
  pool: Pick<HashPool, 'hash'>;
  cache?: StatCacheReader;
  nextCache?: StatCacheWriter;
  budget?: ReadBudget;
  counters?: HashStats;
  /** Entries waiting for their hashes at most. Default 128. */
  window?: number;
}

/** True when the cached hash still describes this entry. */
export function cacheIsFresh(cached: CachedHash | undefined, e: WalkedEntry): cached is CachedHash {
  return (
    cached !== undefined &&
    cached.size === e.size &&
    cached.mtimeMs === e.mtimeMs &&
    cached.ctimeMs === e.ctimeMs &&
    cached.ino === e.ino
  );
}

interface Pending {
  entry: WalkedEntry & { sha256?: string };
  hashing?: Promise<boolean>;
  /** Set once `hashing` has settled: whether the file was hashed (false: it vanished). */
  hashed?: boolean;
  /** The stat cache's value, when it was fresh. */
  cached?: CachedHash;
}

/**
 * The walked entries with sha256 filled in for regular files, in batches (one per walked batch,
 * minus what still waits for its hash); files that vanish are dropped.
 */
export async function* hashEntries(
  walked: AsyncIterable<WalkedEntry[]>,
  options: HashingOptions,
): AsyncGenerator<FileEntry[]> {
  const window = options.window ?? 128;
  const queue: Pending[] = [];
  const { counters, nextCache } = options;
  let out: FileEntry[] = [];
  /** Moves a ready entry to `out`, adding it to the next cache; a promise only when that waits. */
  const finish = (e: Pending['entry'], cached: CachedHash | undefined): void | Promise<void> => {
    // The walked entry is a FileEntry with a few more members (the real path, the times): passed
    // on as it is rather than copied, one allocation less per entry.
    out.push(e);
    if (e.type === 'file' && nextCache)
      return nextCache.add(
        e.path,
        cached ?? { size: e.size!, mtimeMs: e.mtimeMs, ctimeMs: e.ctimeMs, ino: e.ino, sha256: e.sha256! },
      );
  };
  /** The head of the queue, once its hash is in: a promise only when it is not yet (or the cache waits). */
  const settleHead = (): void | Promise<void> => {
    const p = queue.shift()!;
    if (p.hashing !== undefined && p.hashed === undefined)
      return p.hashing.then((ok) => (ok ? finish(p.entry, p.cached) : undefined));
    if (p.hashed !== false) return finish(p.entry, p.cached);
  };
  for await (const batch of walked) {
    for (const entry of batch as Array<Pending['entry']>) {
      let cached: CachedHash | undefined;
      let fresh = false;
      if (entry.type === 'file') {
        const found = options.cache?.lookup(entry.path);
        cached = found instanceof Promise ? await found : found;
        fresh = cacheIsFresh(cached, entry);
        if (fresh) {
          entry.sha256 = cached!.sha256;
          if (counters) counters.cached++;
        }
      }
      // Nothing waits before it and it waits for nothing (what most entries of an incremental
      // check are): straight out, no queue entry.
      if (queue.length === 0 && (entry.type !== 'file' || fresh)) {
        const added = finish(entry, fresh ? cached : undefined);
        if (added) await added;
        continue;
      }
      const p: Pending = { entry };
      if (entry.type === 'file') {
        if (fresh) {
          p.cached = cached;
        } else {
          if (options.budget) await options.budget.take(entry.size ?? 0);
          p.hashing = options.pool.hash(entry.real).then((r) => {
            if (r.ok) {
              p.entry.sha256 = r.hex;
              if (counters) {
                counters.hashed++;
                counters.bytesRead += r.bytes;
              }
              p.hashed = true;
              return true;
            }
            if (r.code === 'ENOENT' || r.code === 'ENOTDIR' || r.code === 'ELOOP' || r.code === 'EISDIR') {
              p.hashed = false;
              return false;
            }
            throw new KilnError('KILN_ERR_BASELINE', `cannot hash ${entry.real} (${r.code})`);
          });
          // Handled when settled; keeps an early failure from being reported as unhandled.
          p.hashing.catch(() => {});
        }
      }
      queue.push(p);
      // Entries leave as soon as everything before them is ready, not only when the window is
      // full: an entry that waits for nothing (cached, not a file) would otherwise stay for a
      // whole window, outlive two scavenges and be promoted to the old generation, which grows.
      while (
        queue.length >= window ||
        (queue.length > 0 && (queue[0]!.hashing === undefined || queue[0]!.hashed !== undefined))
      ) {
        const settling = settleHead();
        if (settling) await settling;
      }
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  while (queue.length > 0) await settleHead();
  if (out.length > 0) yield out;
}
