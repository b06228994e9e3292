/**
 * The stat cache (`kiln-stat-cache/2`): one line per regular file in walk order
 * (`path size mtimeMs ctimeMs inode sha256`), written while a check walks and read back as a
 * stream by the next one, so memory does not grow with the tree. A file is hashed again only when
 * its size, mtime, ctime or inode changed (ctime catches a rewrite that restored the mtime). A
 * missing, damaged or foreign cache just means the next check hashes everything.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { comparePaths, escapePath, unescapePath } from '../baseline/entry-line.ts';
import { LineWriter, readLines } from '../baseline/line-stream.ts';
import type { CachedHash, StatCacheReader, StatCacheWriter } from '../baseline/scan.ts';

const cacheFormat = 'kiln-stat-cache/2';

/** The header line: which baseline the cache belongs to and when the last full check ran. */
export interface StatCacheHeader {
  format: typeof cacheFormat;
  baselineDigest: string;
  /** When the last check without a cache (every file hashed) ran, ms since the epoch. */
  fullCheckAtMs: number;
}

/** Reads a cache in walk order: each lookup advances past smaller paths. */
class CacheCursor implements StatCacheReader {
  readonly #lines: AsyncGenerator<string>;
  #head: { path: string; value: CachedHash } | undefined;
  #done = false;

  constructor(lines: AsyncGenerator<string>) {
    this.#lines = lines;
  }

  async #advance(): Promise<void> {
    for (;;) {
      const r = await this.#lines.next();
      if (r.done) {
        this.#done = true;
        this.#head = undefined;
        return;
      }
      const f = r.value.split('\t');
      if (f.length !== 6) continue;
      this.#head = {
        path: unescapePath(f[0]!),
        value: {
          size: Number(f[1]),
          mtimeMs: Number(f[2]),
          ctimeMs: Number(f[3]),
          ino: Number(f[4]),
          sha256: f[5]!,
        },
      };
      return;
    }
  }

  async lookup(p: string): Promise<CachedHash | undefined> {
    if (!this.#head && !this.#done) await this.#advance();
    while (this.#head && comparePaths(this.#head.path, p) < 0) await this.#advance();
    return this.#head?.path === p ? this.#head.value : undefined;
  }

  close(): void {
    void this.#lines.return(undefined);
  }
}

/** The cache file of the agent (or of `baseline check --cache`). */
export class StatCacheFile {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** The header and a reader, or undefined when there is no usable cache for this baseline. */
  async open(
    baselineDigest: string,
  ): Promise<{ header: StatCacheHeader; reader: StatCacheReader & { close(): void } } | undefined> {
    let lines: AsyncGenerator<string>;
    let header: StatCacheHeader;
    try {
      lines = readLines(this.file);
      const first = await lines.next();
      header = JSON.parse(first.done ? '{}' : first.value) as StatCacheHeader;
    } catch {
      return undefined;
    }
    if (header.format !== cacheFormat || header.baselineDigest !== baselineDigest) {
      await lines.return(undefined);
      return undefined;
    }
    return { header, reader: new CacheCursor(lines) };
  }

  /** A writer of the next cache; commit() replaces the file, abort() leaves the old one. */
  async create(
    header: Omit<StatCacheHeader, 'format'>,
  ): Promise<StatCacheWriter & { commit(): Promise<void>; abort(): Promise<void> }> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    const out = new LineWriter(tmp, { mode: 0o600 });
    await out.write(JSON.stringify({ format: cacheFormat, ...header }));
    const file = this.file;
    return {
      add: (p, v) =>
        out.write(`${escapePath(p)}\t${v.size}\t${v.mtimeMs}\t${v.ctimeMs}\t${v.ino}\t${v.sha256}`),
      async commit() {
        await out.close();
        await rename(tmp, file);
      },
      async abort() {
        out.destroy();
        await rm(tmp, { force: true });
      },
    };
  }
}
