/**
 * File identity: device + inode + birth time + a hash of the first bytes. The inode alone is
 * reused after delete + create; the head hash alone confuses files with the same header. The
 * head is hashed over what exists when the file is first seen (up to `headBytes`), so a small
 * file is read at once instead of waiting for 1 KiB like Filebeat's fingerprint mode.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileCheckpoint } from './checkpoint-store.ts';
import { findByInode, rotationSiblings } from './discover.ts';

/** Most leading bytes hashed for identity. */
export const headBytes = 1024;

/** The stat fields identity uses. */
export interface StatLike {
  dev: number;
  ino: number;
  size: number;
  birthtimeMs: number;
}

/** SHA-256 (hex) of the first `length` bytes of an open file, or undefined if it is shorter now. */
export async function hashHead(handle: FileHandle, length: number): Promise<string | undefined> {
  if (length === 0) return createHash('sha256').digest('hex');
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, 0);
  if (bytesRead < length) return undefined;
  return createHash('sha256').update(buffer).digest('hex');
}

/** The fingerprint that names one content generation of one file (the source of event ids). */
export function computeFingerprint(stat: StatLike, headHash: string, generation: number): string {
  return createHash('sha256')
    .update(`${stat.dev}:${stat.ino}:${Math.trunc(stat.birthtimeMs)}:${headHash}:${generation}`)
    .digest('hex')
    .slice(0, 32);
}

/** Whether a saved checkpoint describes the open file (same inode, birth time and head). */
export async function matchesCheckpoint(
  handle: FileHandle,
  stat: StatLike,
  saved: { dev: number; ino: number; birthtimeMs: number; headLength: number; headHash: string },
): Promise<boolean> {
  if (saved.dev !== stat.dev || saved.ino !== stat.ino) return false;
  const birthKnown = Boolean(saved.birthtimeMs && stat.birthtimeMs);
  if (birthKnown && Math.trunc(saved.birthtimeMs) !== Math.trunc(stat.birthtimeMs)) return false;
  return (await hashHead(handle, saved.headLength)) === saved.headHash;
}

/** The checkpoint of a file seen for the first time (or a new content generation). */
export async function firstCheckpoint(
  handle: FileHandle,
  path: string,
  stat: StatLike,
  generation: number,
  nowMs: number,
): Promise<FileCheckpoint> {
  const headLength = Math.min(stat.size, headBytes);
  const headHash = (await hashHead(handle, headLength)) ?? '';
  return {
    fingerprint: computeFingerprint(stat, headHash, generation),
    path,
    dev: stat.dev,
    ino: stat.ino,
    birthtimeMs: stat.birthtimeMs,
    headLength,
    headHash,
    generation,
    offset: 0,
    updatedAt: new Date(nowMs).toISOString(),
  };
}

/**
 * Opens the first candidate holding a copy of `original` (a different inode with the same
 * head and at least `minSize` bytes): where copytruncate left the bytes. The caller owns the
 * returned handle.
 */
export async function openCopy(
  original: { ino: number; headLength: number; headHash: string },
  minSize: number,
  candidates: string[],
  skip: (stat: StatLike) => boolean = () => false,
): Promise<{ handle: FileHandle; path: string; stat: StatLike } | undefined> {
  for (const path of candidates) {
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) continue;
    const stat = await handle.stat();
    const isCopy =
      !skip(stat) &&
      stat.ino !== original.ino &&
      stat.size >= minSize &&
      (await hashHead(handle, original.headLength)) === original.headHash;
    if (isCopy) return { handle, path, stat };
    await handle.close();
  }
  return undefined;
}

/** Whether `handle` and the tailed file hold the same bytes in the last KiB both have. */
export async function endsMatch(
  handle: FileHandle,
  tailed: { size: number; readAt(offset: number, length: number): Promise<Buffer> },
): Promise<boolean> {
  const size = Math.min((await handle.stat()).size, tailed.size);
  const at = Math.max(0, size - headBytes);
  const theirs = Buffer.alloc(size - at);
  await handle.read(theirs, 0, theirs.length, at);
  return (await tailed.readAt(at, size - at)).equals(theirs);
}

async function isSameFile(path: string, saved: FileCheckpoint): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    return await matchesCheckpoint(handle, await handle.stat(), saved);
  } finally {
    await handle.close();
  }
}

/**
 * Where a saved file's bytes went while the agent was down, or undefined when they are still
 * at its path (or gone): the same inode renamed in the same folder, or a copytruncate copy
 * next to it when the inode at the path now holds other content.
 */
export async function findMovedContent(saved: FileCheckpoint): Promise<string | undefined> {
  const atPath = await open(saved.path, 'r').catch(() => undefined);
  const stat = await atPath?.stat();
  const sameInode = stat?.dev === saved.dev && stat.ino === saved.ino;
  const sameHead = sameInode && (await hashHead(atPath!, saved.headLength)) === saved.headHash;
  await atPath?.close();
  if (sameHead) return undefined;
  const renamed = sameInode ? undefined : await findByInode(dirname(saved.path), saved.dev, saved.ino);
  // The inode alone is not the file: deleted and created again while the agent was down, a new
  // file can get the old inode (and the same banner line). Birth time and head must match too.
  if (renamed && (await isSameFile(renamed, saved))) return renamed;
  const copy = await openCopy(saved, saved.offset, await rotationSiblings(saved.path));
  await copy?.handle.close();
  return copy?.path;
}
