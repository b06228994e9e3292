/**
 * File identity: device + inode + birth time + a hash of the first bytes. The inode alone is
 * reused after delete + create; the head hash alone confuses files with the same header. The
 * head is hashed over what exists when the file is first seen (up to `headBytes`), so a small
 * file is read at once instead of waiting for 1 KiB like Filebeat's fingerprint mode.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

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
