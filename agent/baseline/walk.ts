/**
 * The sorted walk: every entry under the roots in walk order (entry-line.ts), one lstat per entry
 * and one readdir per directory, so a baseline and a live tree compare as two sorted streams.
 * Symlinks are recorded, never followed, except a symlinked root (`/bin -> usr/bin`): its target
 * is walked once, as a root of its own, unless another root already covers it.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Allowlist } from './allowlist.ts';
import { comparePaths } from './entry-line.ts';
import type { EntryType } from './types.ts';

/** An entry as walked: its attributes, plus the times the stat cache needs. */
export interface WalkedEntry {
  path: string;
  real: string;
  type: EntryType;
  mode: string;
  owner: number;
  group: number;
  size?: number;
  ino: number;
  target?: string;
  mtimeMs: number;
  ctimeMs: number;
}

/** The real path of a logical path under a prefix. */
export function realPathOf(root: string, logical: string): string {
  return root === '/' || root === '' ? logical : path.join(root, logical);
}

function lstatOrUndefined(real: string): Stats | undefined {
  try {
    return lstatSync(real, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

const isCovered = (p: string, by: readonly string[]) =>
  by.some((r) => r === '/' || p === r || p.startsWith(`${r}/`));

/**
 * The roots to walk: globs in the last component expanded (`/lib*`), allowlisted and missing ones
 * dropped, symlinked roots' targets added when nothing covers them, nested roots dropped, sorted.
 */
export function effectiveRoots(root: string, roots: readonly string[], allowlist: Allowlist): string[] {
  const expanded = new Set<string>();
  for (const r of roots.map((x) => path.posix.normalize(x))) {
    const base = path.posix.basename(r);
    if (!picomatch.scan(base).isGlob) {
      expanded.add(r);
      continue;
    }
    const parent = path.posix.dirname(r);
    let names: string[] = [];
    try {
      names = readdirSync(realPathOf(root, parent));
    } catch {}
    const match = picomatch(base, { dot: true });
    for (const n of names) if (match(n)) expanded.add(path.posix.join(parent, n));
  }
  const present = [...expanded].filter(
    (r) => !allowlist.allows('file', r) && lstatOrUndefined(realPathOf(root, r)),
  );
  const out = new Set(present);
  for (const r of present) {
    if (!lstatOrUndefined(realPathOf(root, r))!.isSymbolicLink()) continue;
    const target = resolveInside(root, r);
    if (
      target &&
      !isCovered(
        target,
        [...out].filter((x) => x !== r),
      )
    )
      out.add(target);
  }
  const list = [...out];
  return list.filter((r) => !list.some((o) => o !== r && isCovered(r, [o]))).sort(comparePaths);
}

/** The logical path a symlinked root resolves to inside the prefix, or undefined. */
function resolveInside(root: string, logical: string): string | undefined {
  try {
    const real = realpathSync(realPathOf(root, logical));
    if (root === '/' || root === '') return real;
    const base = realpathSync(root);
    return real.startsWith(`${base}/`) ? real.slice(base.length) : undefined;
  } catch {
    return undefined;
  }
}

function entryType(st: Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** Every permission-bits string (`0755`), made once rather than per entry. */
const modeStrings = Array.from({ length: 0o10000 }, (_, m) => m.toString(8).padStart(4, '0'));

function describe(logical: string, real: string, st: Stats): WalkedEntry | undefined {
  const type = entryType(st);
  const entry: WalkedEntry = {
    path: logical,
    real,
    type,
    mode: modeStrings[st.mode & 0o7777]!,
    owner: st.uid,
    group: st.gid,
    ino: st.ino,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
  };
  if (type === 'file') entry.size = st.size;
  if (type === 'symlink') {
    try {
      entry.target = readlinkSync(real);
    } catch {
      return undefined;
    }
  }
  return entry;
}

/**
 * Entries per batch. Small: a batch lives until the merge has compared it, and 64 entries kept
 * enough of them alive across scavenges to grow the old generation by ~8 MiB in a check of
 * /usr (16: no growth; 4: slower by the async steps per batch).
 */
const batchSize = 16;

/** Options of a walk. */
export interface WalkOptions {
  root: string;
  roots: readonly string[];
  allowlist: Allowlist;
  /** Entries between two turns of the event loop. Default 512. */
  yieldEvery?: number;
}

/** A path to walk (in walk order, none inside another's subtree): the entry, and its subtree when asked. */
export interface WalkTop {
  path: string;
  subtree: boolean;
}

/**
 * Every entry under the effective roots, in walk order, in small batches, with a turn of the
 * event loop every `yieldEvery` entries; entries that vanish mid-walk are absent. Batches rather
 * than single entries: an async generator's step per entry cost a check of /usr (194 547
 * entries) 0.15 s of its 0.9 s walk, and each stage after it (hashing, the merge) paid it again.
 */
export function walkTree(options: WalkOptions): AsyncGenerator<WalkedEntry[]> {
  const tops = effectiveRoots(options.root, options.roots, options.allowlist);
  return walkTops({ ...options, tops: tops.map((p) => ({ path: p, subtree: true })) });
}

/**
 * As walkTree, for the given paths only (the change feed's, fed-check.ts): each entry and, when
 * `subtree` is set and it is a directory, everything under it. A top is not followed if it is
 * a symlink; the caller has left out tops the allowlist covers.
 */
export async function* walkTops(
  options: Omit<WalkOptions, 'roots'> & { tops: readonly WalkTop[] },
): AsyncGenerator<WalkedEntry[]> {
  const { root, allowlist } = options;
  const yieldEvery = options.yieldEvery ?? 512;
  const size = Math.min(yieldEvery, batchSize);
  const turnEvery = Math.max(1, Math.round(yieldEvery / size));
  let batch: WalkedEntry[] = [];
  let batches = 0;
  for (const { path: top, subtree } of options.tops) {
    const topReal = realPathOf(root, top);
    const st = lstatOrUndefined(topReal);
    const first = st && describe(top, topReal, st);
    if (!first) continue;
    batch.push(first);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
    if (first.type !== 'dir' || !subtree) continue;
    const stack: Array<{ dir: string; names: string[]; next: number }> = [
      { dir: top, names: children(topReal), next: 0 },
    ];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next >= frame.names.length) {
        stack.pop();
        continue;
      }
      const name = frame.names[frame.next++]!;
      const logical = frame.dir === '/' ? `/${name}` : `${frame.dir}/${name}`;
      if (allowlist.allows('file', logical)) continue;
      const real = realPathOf(root, logical);
      const cst = lstatOrUndefined(real);
      const entry = cst && describe(logical, real, cst);
      if (!entry) continue;
      batch.push(entry);
      if (entry.type === 'dir') stack.push({ dir: logical, names: children(real), next: 0 });
      if (batch.length >= size) {
        yield batch;
        batch = [];
        if (++batches % turnEvery === 0) await new Promise<void>((r) => setImmediate(r));
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** A directory's names, sorted by code unit (the walk order); none when it cannot be read. */
function children(real: string): string[] {
  try {
    return readdirSync(real).sort();
  } catch {
    return [];
  }
}
