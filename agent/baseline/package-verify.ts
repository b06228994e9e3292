/**
 * A `dpkg --verify`-style check: package files whose content no longer matches the md5 their
 * package lists in `<admindir>/info/*.md5sums`. The sha256 walk already sees every change under
 * the roots, so only the files it found added or changed are verified (md5 again would double
 * the cost of a check): the difference says which package the file now contradicts. Package
 * files outside the roots are not verified; add their directory to the roots to watch them.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { HashPool } from './hash-pool.ts';
import { readLines } from './line-stream.ts';
import type { ReadBudget } from './scan.ts';
import type { Difference } from './types.ts';
import { realPathOf } from './walk.ts';

/** One line of a md5sums file. */
export interface PackageFile {
  pkg: string;
  path: string;
  md5: string;
}

/** Every `info/*.md5sums` line, package by package (sorted), streamed. */
export async function* readMd5sums(adminDir: string): AsyncGenerator<PackageFile> {
  let names: string[];
  try {
    names = (await readdir(path.join(adminDir, 'info'))).filter((n) => n.endsWith('.md5sums')).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const pkg = name.slice(0, -'.md5sums'.length);
    for await (const line of readLines(path.join(adminDir, 'info', name))) {
      const m = /^([0-9a-f]{32}) {2}(.+)$/.exec(line);
      if (m) yield { pkg, md5: m[1]!, path: `/${m[2]!.replace(/^\/+/, '')}` };
    }
  }
}

/** What to verify. */
export interface VerifyOptions {
  root: string;
  adminDir: string;
  /** Paths the file walk found added or changed (the only ones verified). */
  changed: ReadonlySet<string>;
  pool: Pick<HashPool, 'hash'>;
  budget?: ReadBudget;
}

/** The package files that do not match: path to `{pkg, expected, actual}` (`actual` `missing` when absent). */
export async function verifyPackageFiles(
  options: VerifyOptions,
): Promise<Map<string, { pkg: string; expected: string; actual: string }>> {
  const out = new Map<string, { pkg: string; expected: string; actual: string }>();
  const checks: Array<Promise<void>> = [];
  if (options.changed.size === 0) return out;
  for await (const f of readMd5sums(options.adminDir)) {
    if (!options.changed.has(f.path)) continue;
    const real = realPathOf(options.root, f.path);
    if (options.budget) await options.budget.take((await lstat(real).catch(() => undefined))?.size ?? 0);
    checks.push(
      options.pool.hash(real, 'md5').then((r) => {
        const actual = r.ok ? r.hex : r.code === 'ENOENT' ? 'missing' : `unreadable (${r.code})`;
        if (actual !== f.md5) out.set(f.path, { pkg: f.pkg, expected: f.md5, actual });
      }),
    );
    if (checks.length >= 256) await Promise.all(checks.splice(0));
  }
  await Promise.all(checks);
  return out;
}

/** A difference per mismatch. */
export function packageFileDifferences(
  mismatches: ReadonlyMap<string, { pkg: string; expected: string; actual: string }>,
): Difference[] {
  return [...mismatches.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([p, m]) => ({
      change: 'changed',
      category: 'package_file',
      path: p,
      attribute: 'md5',
      before: `${m.expected} (package ${m.pkg})`,
      after: m.actual,
    }));
}
