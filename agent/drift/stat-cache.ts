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
import { BatchCursor, LineWriter, readLineBatches } from '../baseline/line-stream.ts';
import type { CachedHash, StatCacheReader, StatCacheWriter } from '../baseline/scan.ts';

const cacheFormat = 'kiln-stat-cache/2';

/** The header line: which baseline the cache belongs to and when the last full check ran. */
export interface StatCacheHeader {
  format: typeof cacheFormat;
  baselineDigest: string;
  /** When the last check without a cache (every file hashed) ran, ms since the epoch. */
  fullCheckAtMs: number;
}

/** A cached value with its path and the index of its line among the cache's entry lines. */
interface CachedLine extends CachedHash {
  path: string;
  line: number;
}

/** A cache line's fields (one object: the head and the value lookup() gives), or undefined for a line that is not one. */
function parseLine(line: string, index: number): CachedLine | undefined {
  const f = line.split('\t');
  if (f.length !== 6) return undefined;
  return {
    path: unescapePath(f[0]!),
    size: Number(f[1]),
    mtimeMs: Number(f[2]),
    ctimeMs: Number(f[3]),
    ino: Number(f[4]),
    sha256: f[5]!,
    line: index,
  };
}

/**
 * Reads a cache in walk order: each lookup advances past smaller paths. Lines come a chunk at a
 * time, so a lookup answers synchronously unless it needs the next chunk. It remembers which
 * line each answer came from, so the next cache can tell it is the same file (see create()).
 */
class CacheCursor implements StatCacheReader {
  readonly #lines: BatchCursor<string, CachedLine>;
  /** Entry lines read so far (the next one's index). */
  #count = 0;
  /**
   * The entry-line index of a value lookup() handed out (its own field rather than a WeakMap:
   * a WeakMap of every value kept them alive into the old generation).
   */
  lineOf(value: CachedHash): number | undefined {
    return (value as Partial<CachedLine>).line;
  }

  constructor(batches: AsyncGenerator<string[]>, first: string[]) {
    const convert = (line: string) => {
      const parsed = parseLine(line, this.#count);
      if (parsed) this.#count++;
      return parsed;
    };
    this.#lines = new BatchCursor(batches, convert, first);
  }

  /** Advances past paths before `p`; a promise only when a new chunk must be read. */
  lookup(p: string): CachedHash | undefined | Promise<CachedHash | undefined> {
    const lines = this.#lines;
    while (!lines.done && (!lines.head || comparePaths(lines.head.path, p) < 0)) {
      const moved = lines.advance();
      if (moved) return moved.then(() => this.lookup(p));
    }
    return lines.head?.path === p ? lines.head : undefined;
  }

  /** The number of entry lines in the whole cache (reads the rest). */
  async entryLines(): Promise<number> {
    while (!this.#lines.done) {
      const moved = this.#lines.advance();
      if (moved) await moved;
    }
    return this.#count;
  }

  close(): void {
    this.#lines.close();
  }
}

/** The writer of the next cache. */
export type NextStatCache = StatCacheWriter & { commit(): Promise<void>; abort(): Promise<void> };

/** The cache file of the agent (or of `baseline check --cache`). */
export class StatCacheFile {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** The header and a reader, or undefined when there is no usable cache for this baseline. */
  async open(baselineDigest: string): Promise<{ header: StatCacheHeader; reader: CacheCursor } | undefined> {
    let batches: AsyncGenerator<string[]>;
    let header: StatCacheHeader;
    let rest: string[];
    try {
      batches = readLineBatches(this.file);
      const first = await batches.next();
      const lines = first.done ? ['{}'] : first.value;
      header = JSON.parse(lines[0]!) as StatCacheHeader;
      rest = lines.slice(1);
    } catch {
      return undefined;
    }
    if (header.format !== cacheFormat || header.baselineDigest !== baselineDigest) {
      await batches.return(undefined);
      return undefined;
    }
    return { header, reader: new CacheCursor(batches, rest) };
  }

  /**
   * A writer of the next cache; commit() replaces the file, abort() leaves the old one. Given the
   * reader of the current cache (same header), nothing is written while every file added is the
   * current cache's next line (the value lookup() gave, unchanged): a check that found nothing
   * new leaves the file as it is. At the first other file, the lines matched so far are copied
   * from the current cache and writing goes on from there.
   */
  async create(header: Omit<StatCacheHeader, 'format'>, previous?: CacheCursor): Promise<NextStatCache> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    const file = this.file;
    let out: LineWriter | undefined;
    let matched = 0;
    const diverge = async (): Promise<LineWriter> => {
      const writer = new LineWriter(tmp, { mode: 0o600 });
      await writer.write(JSON.stringify({ format: cacheFormat, ...header }));
      let copied = 0;
      if (previous && matched > 0) {
        for await (const lines of readLineBatches(file)) {
          for (const line of lines) {
            if (copied >= matched) break;
            if (parseLine(line, copied) === undefined) continue;
            await writer.write(line);
            copied++;
          }
          if (copied >= matched) break;
        }
      }
      if (copied !== matched) throw new Error(`${file} changed while the next stat cache was written`);
      out = writer;
      return writer;
    };
    if (!previous) out = await diverge();
    return {
      // Not async: the common calls (a matched line, a line that fits the writer's buffer)
      // return nothing to wait for, no promise per file.
      add(p, v) {
        if (!out && previous?.lineOf(v) === matched) {
          matched++;
          return;
        }
        const line = `${escapePath(p)}\t${v.size}\t${v.mtimeMs}\t${v.ctimeMs}\t${v.ino}\t${v.sha256}`;
        return out ? out.write(line) : diverge().then((writer) => writer.write(line));
      },
      async commit() {
        if (!out && previous && (await previous.entryLines()) === matched) return;
        const writer = out ?? (await diverge());
        await writer.close();
        await rename(tmp, file);
      },
      async abort() {
        if (!out) return;
        out.destroy();
        await rm(tmp, { force: true });
      },
    };
  }
}
