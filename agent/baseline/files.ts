/**
 * Walks the baseline roots under a directory prefix (`--root`, `/` on a live system) and records
 * every entry's type, mode, owner, group, size, sha256 and symlink target. Symlinks are recorded,
 * never followed; allowlisted paths are skipped (with everything under them).
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Allowlist } from './allowlist.ts';
import { type HashCache, type HashStats, hashFile, type ReadBudget } from './hash.ts';
import type { EntryType, FileEntry } from './types.ts';

/** How to scan. */
export interface FileScanOptions {
  /** Directory prefix the logical paths live under. Default `/`. */
  root?: string;
  /** Logical roots (`/etc`, …). */
  roots: readonly string[];
  allowlist: Allowlist;
  cache?: HashCache;
  budget?: ReadBudget;
  counters?: HashStats;
  /** Entries stat'ed and hashed at once. Default 4. */
  concurrency?: number;
}

/** The real path of a logical path under a prefix. */
export function realPathOf(root: string, logical: string): string {
  return root === '/' || root === '' ? logical : path.join(root, logical);
}

/** Scans the roots; entries that vanish mid-scan are simply absent. */
export async function scanFiles(options: FileScanOptions): Promise<Record<string, FileEntry>> {
  const root = options.root ?? '/';
  const logicalPaths: string[] = [];
  for (const logical of [...new Set(options.roots.map((r) => path.posix.normalize(r)))]) {
    if (options.allowlist.allows('file', logical)) continue;
    await walk(root, logical, options.allowlist, logicalPaths);
  }
  const files: Record<string, FileEntry> = {};
  let next = 0;
  const worker = async () => {
    while (next < logicalPaths.length) {
      const logical = logicalPaths[next++]!;
      const entry = await describeEntry(realPathOf(root, logical), options);
      if (entry) files[logical] = entry;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return files;
}

/** Collects the logical paths of an entry and, for a directory, everything below it. */
async function walk(root: string, logical: string, allowlist: Allowlist, out: string[]): Promise<void> {
  let stats: Stats;
  try {
    stats = await lstat(realPathOf(root, logical));
  } catch {
    return;
  }
  out.push(logical);
  if (!stats.isDirectory()) return;
  const stack = [logical];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let children: Dirent[];
    try {
      children = await readdir(realPathOf(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const child of children) {
      const childPath = dir === '/' ? `/${child.name}` : `${dir}/${child.name}`;
      if (allowlist.allows('file', childPath)) continue;
      out.push(childPath);
      if (child.isDirectory()) stack.push(childPath);
    }
  }
}

/** Describes one entry, or undefined when it vanished. */
export async function describeEntry(
  realPath: string,
  options: Pick<FileScanOptions, 'cache' | 'budget' | 'counters'>,
): Promise<FileEntry | undefined> {
  try {
    const stats = await lstat(realPath);
    const entry: FileEntry = {
      type: entryType(stats),
      mode: (stats.mode & 0o7777).toString(8).padStart(4, '0'),
      owner: stats.uid,
      group: stats.gid,
    };
    if (stats.isFile()) {
      entry.size = stats.size;
      entry.sha256 = await hashFile(realPath, stats, options);
    } else if (stats.isSymbolicLink()) {
      entry.target = await readlink(realPath);
    }
    return entry;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function entryType(stats: Stats): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}
