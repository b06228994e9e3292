/**
 * One file-system entry per line, in the order of a sorted depth-first walk, as the baseline
 * (`kiln-baseline/2`) and the stat cache store them. Tab-separated; a path's backslash, tab,
 * newline and carriage return are escaped so every entry is exactly one line.
 */
import type { EntryType, FileEntry } from './types.ts';

const typeLetter: Record<EntryType, string> = { file: 'f', dir: 'd', symlink: 'l', other: 'o' };
const letterType: Record<string, EntryType> = { f: 'file', d: 'dir', l: 'symlink', o: 'other' };

/** Escapes a path for a line (`\\`, `\t`, `\n`, `\r`). */
export function escapePath(p: string): string {
  return /[\\\t\n\r]/.test(p)
    ? p.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    : p;
}

/** Reverses escapePath. */
export function unescapePath(p: string): string {
  return p.includes('\\')
    ? p.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c))
    : p;
}

/**
 * The walk order: paths compared component by component (as if `/` sorted before every other
 * character), so a directory's subtree follows it before its next sibling (`/a`, `/a/b`, `/a-c`).
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x === 47) return -1;
      if (y === 47) return 1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/** `path type mode uid gid size inode sha256|target` (`-` for none). */
export function encodeEntry(e: FileEntry): string {
  const last =
    e.type === 'file' ? (e.sha256 ?? '-') : e.type === 'symlink' ? escapePath(e.target ?? '') : '-';
  return `${escapePath(e.path)}\t${typeLetter[e.type]}\t${e.mode}\t${e.owner}\t${e.group}\t${e.size ?? '-'}\t${e.ino ?? '-'}\t${last}`;
}

/** Parses a line written by encodeEntry; throws a plain Error naming the problem. */
export function decodeEntry(line: string): FileEntry {
  const f = line.split('\t');
  const type = letterType[f[1] ?? ''];
  if (f.length !== 8 || !type || !/^[0-7]{4}$/.test(f[2]!))
    throw new Error(`not an entry line: ${JSON.stringify(line.slice(0, 120))}`);
  const entry: FileEntry = {
    path: unescapePath(f[0]!),
    type,
    mode: f[2]!,
    owner: Number(f[3]),
    group: Number(f[4]),
  };
  if (f[5] !== '-') entry.size = Number(f[5]);
  if (f[6] !== '-') entry.ino = Number(f[6]);
  if (type === 'file' && f[7] !== '-') entry.sha256 = f[7]!;
  if (type === 'symlink') entry.target = unescapePath(f[7]!);
  return entry;
}
