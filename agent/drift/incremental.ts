/**
 * One check with the stat cache: incremental while the cache is fresh, full (every file hashed,
 * cache ignored) when there is none or the last full check is `fullCheckIntervalMs` old, so a
 * content change that left size, mtime, ctime and inode alike is still caught at the next full
 * check. The next cache is written during the check and replaces the old one only on success
 * (and only when it differs: a check that found nothing new rewrites nothing).
 */
import { type CheckOptions, type CheckResult, checkBaseline } from '../baseline/capture.ts';
import type { BaselineInfo } from '../baseline/types.ts';
import type { StatCacheFile } from './stat-cache.ts';

/** The cache, the clock and the full-check period. */
export interface IncrementalOptions extends Omit<CheckOptions, 'cache' | 'nextCache'> {
  cacheFile?: StatCacheFile;
  nowMs: number;
  /** A check is full when the last full one is at least this old. Default never (only without a cache). */
  fullCheckIntervalMs?: number;
}

/** Checks, using and renewing the stat cache; says whether the check was full. */
export async function checkWithCache(
  info: BaselineInfo,
  options: IncrementalOptions,
): Promise<CheckResult & { full: boolean; fullCheckAtMs: number }> {
  const { cacheFile, nowMs, fullCheckIntervalMs, ...check } = options;
  const opened = cacheFile ? await cacheFile.open(info.digest) : undefined;
  const full =
    !opened ||
    (fullCheckIntervalMs !== undefined && nowMs - opened.header.fullCheckAtMs >= fullCheckIntervalMs);
  const fullCheckAtMs = full ? nowMs : opened!.header.fullCheckAtMs;
  const next = cacheFile
    ? await cacheFile.create(
        { baselineDigest: info.digest, fullCheckAtMs },
        // An incremental check that finds every file as cached leaves the cache file as it is.
        !full && opened ? opened.reader : undefined,
      )
    : undefined;
  try {
    const result = await checkBaseline(info, {
      ...check,
      ...(!full && opened ? { cache: opened.reader } : {}),
      ...(next ? { nextCache: next } : {}),
    });
    await next?.commit();
    return { ...result, full, fullCheckAtMs };
  } catch (error) {
    await next?.abort();
    throw error;
  } finally {
    opened?.reader.close();
  }
}
