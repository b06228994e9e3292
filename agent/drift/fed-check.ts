/**
 * A check of only the paths the change feed reported (change-feed.ts), on top of the file
 * differences of the last check that walked the roots: those paths are compared again (lstat,
 * hash; a path created, deleted or renamed with its whole subtree), every other file keeps the
 * difference, or the lack of one, the walk found. What a check reports is still the whole set.
 * The other categories (packages, units, accounts, modules, sockets, package files) are read
 * whole, as in every check: they are small.
 */

import type { Allowlist } from '../baseline/allowlist.ts';
import { compileAllowlist } from '../baseline/allowlist.ts';
import { baselineStream } from '../baseline/baseline-file.ts';
import {
  type CheckOptions,
  type CheckResult,
  contentChanged,
  otherDifferences,
} from '../baseline/capture.ts';
import { comparePaths } from '../baseline/entry-line.ts';
import { HashPool } from '../baseline/hash-pool.ts';
import { allowlistFilter, entriesAsTheyAre, mergeCompare } from '../baseline/merge.ts';
import { hashEntries } from '../baseline/scan.ts';
import type { BaselineInfo, Difference } from '../baseline/types.ts';
import { effectiveRoots, type WalkTop, walkTops } from '../baseline/walk.ts';

/** What the fed check needs beyond a check's options. */
export interface FedCheckOptions extends Omit<CheckOptions, 'cache' | 'nextCache'> {
  /** The file differences of the previous check, in walk order. */
  previous: readonly Difference[];
  /** Logical paths reported changed: true when its subtree may have changed too. */
  changes: ReadonlyMap<string, boolean>;
}

/**
 * The paths to compare again, in walk order, none inside another's subtree: those under an
 * effective root and not allowlisted (nor inside an allowlisted directory).
 */
export function regionsOf(
  changes: ReadonlyMap<string, boolean>,
  roots: readonly string[],
  allowlist: Allowlist,
): WalkTop[] {
  const watched = (p: string) => {
    const top = roots.find((r) => r === '/' || p === r || p.startsWith(`${r}/`));
    if (top === undefined) return false;
    // Every directory between the root and the path, and the path itself.
    for (let at = p.indexOf('/', top.length + 1); at > 0; at = p.indexOf('/', at + 1))
      if (allowlist.allows('file', p.slice(0, at))) return false;
    return !allowlist.allows('file', p);
  };
  const sorted = [...changes]
    .filter(([p]) => watched(p))
    .map(([path, subtree]) => ({ path, subtree }))
    .sort((a, b) => comparePaths(a.path, b.path));
  const out: WalkTop[] = [];
  let tree: string | undefined;
  for (const r of sorted) {
    if (tree !== undefined && r.path.startsWith(tree)) continue;
    out.push(r);
    tree = r.subtree ? `${r.path}/` : undefined;
  }
  return out;
}

/**
 * A membership test for paths asked in walk order (the baseline's entries, the previous
 * differences): whether the path is one of the regions or inside one's subtree.
 */
export function regionMatcher(regions: readonly WalkTop[]): (path: string) => boolean {
  let i = 0;
  return (p) => {
    while (i < regions.length) {
      const r = regions[i]!;
      if (p === r.path || (r.subtree && p.startsWith(`${r.path}/`))) return true;
      if (comparePaths(p, r.path) < 0) return false;
      i++;
    }
    return false;
  };
}

/** Merges two lists of file differences in walk order (no path is in both). */
function mergeByPath(a: readonly Difference[], b: readonly Difference[]): Difference[] {
  const out: Difference[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && comparePaths(a[i]!.path, b[j]!.path) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** Compares the reported paths again; returns the whole set of differences, as a check does. */
export async function checkChanged(info: BaselineInfo, options: FedCheckOptions): Promise<CheckResult> {
  const root = options.root ?? '/';
  const allowlist = compileAllowlist([...info.header.allowlist, ...(options.extraAllowlist ?? [])]);
  const regions = regionsOf(options.changes, effectiveRoots(root, info.header.roots, allowlist), allowlist);
  const pool = new HashPool(options.jobs);
  try {
    const fresh: Difference[] = [];
    if (regions.length > 0) {
      const live = hashEntries(walkTops({ root, tops: regions, allowlist }), {
        pool,
        ...(options.budget ? { budget: options.budget } : {}),
        ...(options.counters ? { counters: options.counters } : {}),
      });
      const stream = baselineStream(info, allowlistFilter(allowlist), regionMatcher(regions));
      for await (const d of mergeCompare(stream, entriesAsTheyAre(live))) fresh.push(d);
    }
    const inRegion = regionMatcher(regions);
    const kept = options.previous.filter((d) => !inRegion(d.path));
    const files = mergeByPath(kept, fresh);
    const changed = new Set(files.filter(contentChanged).map((d) => d.path));
    const { others, sockets } = await otherDifferences(info, options, { allowlist, changed, pool });
    return { differences: [...files, ...others], sockets };
  } finally {
    await pool.close();
  }
}
