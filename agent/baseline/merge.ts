/**
 * The file comparison: a merge walk of two streams in walk order, the baseline's entries and the
 * live ones. A path on one side only is added or removed; on both, each differing attribute is
 * one change. Nothing but the two heads is held, so memory does not grow with the tree.
 */
import type { Allowlist } from './allowlist.ts';
import { comparePaths } from './entry-line.ts';
import { BatchCursor } from './line-stream.ts';
import type { Difference, FileEntry } from './types.ts';

/** Attributes compared, in report order (inode only when the baseline recorded it). */
const attributes = [
  ['mode', 'mode'],
  ['owner', 'owner'],
  ['group', 'group'],
  ['size', 'size'],
  ['inode', 'ino'],
  ['sha256', 'sha256'],
  ['target', 'target'],
] as const;

/** A short description of an entry, for added/removed. */
export function describeFile(entry: FileEntry): string {
  if (entry.type === 'symlink') return `symlink -> ${entry.target}`;
  if (entry.type === 'file')
    return `file ${entry.mode} ${entry.owner}:${entry.group} ${entry.size} bytes sha256:${entry.sha256}`;
  return `${entry.type} ${entry.mode} ${entry.owner}:${entry.group}`;
}

/** The changes between two entries of the same path. */
export function compareEntries(a: FileEntry, b: FileEntry): Difference[] {
  const base = { change: 'changed' as const, category: 'file' as const, path: a.path };
  // A different type makes the other attributes meaningless: report the type alone.
  if (a.type !== b.type)
    return [{ ...base, attribute: 'type', before: describeFile(a), after: describeFile(b) }];
  // Most entries are unchanged: compare the raw values first, build strings only on a difference.
  if (
    a.mode === b.mode &&
    a.owner === b.owner &&
    a.group === b.group &&
    a.size === b.size &&
    (a.ino === undefined || a.ino === b.ino) &&
    a.sha256 === b.sha256 &&
    a.target === b.target
  )
    return [];
  const out: Difference[] = [];
  for (const [name, key] of attributes) {
    if (key === 'ino' && a.ino === undefined) continue;
    const before = String(a[key] ?? '');
    const after = String(b[key] ?? '');
    if (before !== after) out.push({ ...base, attribute: name, before, after });
  }
  return out;
}

/**
 * A filter (call it on every entry, in walk order) that drops entries the allowlist covers and
 * everything under an allowlisted directory. Synchronous, so the baseline reader applies it in
 * its own loop: no extra async hop per entry.
 */
export function allowlistFilter(allowlist: Allowlist): (e: FileEntry) => boolean {
  let skipped: string | undefined;
  return (e) => {
    if (skipped !== undefined && e.path.startsWith(skipped)) return false;
    if (allowlist.allows('file', e.path)) {
      skipped = e.path === '/' ? '/' : `${e.path}/`;
      return false;
    }
    skipped = undefined;
    return true;
  };
}

/**
 * Batches of items and how to make an entry of one (undefined: not compared, e.g. allowlisted).
 * The items are turned into entries one at a time as the merge reaches them, so a batch of
 * baseline lines is not a batch of live objects (see baselineStream).
 */
export interface EntryStream<T> {
  batches: AsyncIterable<T[]>;
  entry(item: T): FileEntry | undefined;
}

/** An entry stream of entries as they are. */
export const entriesAsTheyAre = (batches: AsyncIterable<FileEntry[]>): EntryStream<FileEntry> => ({
  batches,
  entry: (e) => e,
});

/** Every file difference, in walk order; awaits once per batch, not once per entry and side. */
export async function* mergeCompare<A, B>(
  baseline: EntryStream<A>,
  live: EntryStream<B>,
): AsyncGenerator<Difference> {
  const a = new BatchCursor(baseline.batches, baseline.entry);
  const b = new BatchCursor(live.batches, live.entry);
  await Promise.all([a.advance(), b.advance()]);
  while (a.head || b.head) {
    const order = !a.head ? 1 : !b.head ? -1 : comparePaths(a.head.path, b.head.path);
    if (order < 0) {
      yield { change: 'removed', category: 'file', path: a.head!.path, before: describeFile(a.head!) };
      await a.advance();
    } else if (order > 0) {
      yield { change: 'added', category: 'file', path: b.head!.path, after: describeFile(b.head!) };
      await b.advance();
    } else {
      const differences = compareEntries(a.head!, b.head!);
      if (differences.length > 0) yield* differences;
      const movedA = a.advance();
      if (movedA) await movedA;
      const movedB = b.advance();
      if (movedB) await movedB;
    }
  }
}
