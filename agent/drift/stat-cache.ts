/**
 * The stat cache kept in the agent's state directory: a file is hashed again only when its size,
 * mtime, ctime or inode changed (ctime catches a content rewrite that restored the mtime).
 * Saved atomically; a missing or damaged cache just means the next scan hashes everything.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CachedHash, HashCache } from '../baseline/hash.ts';

/** The on-disk format marker; a different one is ignored (and rebuilt). */
const cacheFormat = 'kiln-stat-cache/1';

/** A hash cache persisted as one JSON file. */
export class PersistentHashCache implements HashCache {
  readonly file: string;
  #entries = new Map<string, CachedHash>();
  #seen = new Set<string>();
  #dirty = false;

  constructor(file: string) {
    this.file = file;
  }

  /** Loads the file; returns how many entries it held (0 when absent or unreadable). */
  async load(): Promise<number> {
    try {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as {
        format?: string;
        entries?: Record<string, CachedHash>;
      };
      if (doc.format !== cacheFormat || !doc.entries) return 0;
      this.#entries = new Map(Object.entries(doc.entries));
    } catch {
      this.#entries = new Map();
    }
    return this.#entries.size;
  }

  get(file: string): CachedHash | undefined {
    this.#seen.add(file);
    return this.#entries.get(file);
  }

  set(file: string, value: CachedHash): void {
    this.#seen.add(file);
    this.#entries.set(file, value);
    this.#dirty = true;
  }

  /** How many files it knows. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Saves when something changed. Entries not looked at since the last save are dropped, so
   * removed files do not accumulate (every scan looks at every file it still has).
   */
  async save(): Promise<void> {
    for (const key of this.#entries.keys()) {
      if (!this.#seen.has(key)) {
        this.#entries.delete(key);
        this.#dirty = true;
      }
    }
    this.#seen = new Set();
    if (!this.#dirty) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify({ format: cacheFormat, entries: Object.fromEntries(this.#entries) }));
    await rename(tmp, this.file);
    this.#dirty = false;
  }
}
