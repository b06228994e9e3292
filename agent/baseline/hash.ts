/**
 * Hashing files gently: an optional read budget (bytes per second) paces every read, and an
 * optional stat cache skips files whose size, mtime, ctime and inode did not change.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readFile } from 'node:fs/promises';

/** Paces reads: resolves once `bytes` may be read. */
export interface ReadBudget {
  take(bytes: number): Promise<void>;
}

/** What the cache remembers of a file to decide whether to hash it again. */
export interface CachedHash {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
}

/** A cache of file hashes keyed by real path. */
export interface HashCache {
  get(path: string): CachedHash | undefined;
  set(path: string, value: CachedHash): void;
}

/** Files up to this size are read whole; larger ones are streamed in chunks of this size. */
const chunkBytes = 1024 * 1024;

/** True when the cached hash still describes a file with these stats. */
export function cacheIsFresh(cached: CachedHash | undefined, stats: Stats): cached is CachedHash {
  return (
    cached !== undefined &&
    cached.size === stats.size &&
    cached.mtimeMs === stats.mtimeMs &&
    cached.ctimeMs === stats.ctimeMs &&
    cached.ino === stats.ino
  );
}

/** Counters of one scan, for logs and the benchmark. */
export interface HashStats {
  hashed: number;
  cached: number;
  bytesRead: number;
}

/** The sha256 (hex) of a regular file, from the cache when its stats did not change. */
export async function hashFile(
  realPath: string,
  stats: Stats,
  options: { cache?: HashCache; budget?: ReadBudget; counters?: HashStats },
): Promise<string> {
  const cached = options.cache?.get(realPath);
  if (cacheIsFresh(cached, stats)) {
    if (options.counters) options.counters.cached++;
    return cached.sha256;
  }
  const hash = createHash('sha256');
  if (stats.size <= chunkBytes) {
    await options.budget?.take(stats.size);
    const content = await readFile(realPath);
    hash.update(content);
    if (options.counters) options.counters.bytesRead += content.length;
  } else {
    const handle = await open(realPath, 'r');
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      for (;;) {
        await options.budget?.take(chunkBytes);
        const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        if (options.counters) options.counters.bytesRead += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
  const sha256 = hash.digest('hex');
  if (options.counters) options.counters.hashed++;
  options.cache?.set(realPath, {
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    ino: stats.ino,
    sha256,
  });
  return sha256;
}
