/**
 * The differences already sent (durable at the collector), kept in the state directory so each
 * difference is sent once, across restarts and reboots. Tied to the baseline digest: a new
 * baseline starts from nothing.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A persisted set of difference keys. */
export class ReportedDifferences {
  readonly file: string;
  #digest = '';
  #keys = new Set<string>();
  #saving: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  /** Loads the set for this baseline digest (empty when it was another baseline's). */
  async load(baselineDigest: string): Promise<void> {
    this.#digest = baselineDigest;
    try {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as { digest?: string; keys?: string[] };
      this.#keys = new Set(doc.digest === baselineDigest && Array.isArray(doc.keys) ? doc.keys : []);
    } catch {
      this.#keys = new Set();
    }
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Records a key and saves the set (saves are serialized, each writes the whole set). */
  add(key: string): Promise<void> {
    if (this.#keys.has(key)) return this.#saving;
    this.#keys.add(key);
    this.#saving = this.#saving.then(() => this.#save()).catch(() => {});
    return this.#saving;
  }

  async #save(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify({ digest: this.#digest, keys: [...this.#keys] }));
    await rename(tmp, this.file);
  }

  /** Resolves once every recorded key is saved. */
  flush(): Promise<void> {
    return this.#saving;
  }

  get size(): number {
    return this.#keys.size;
  }
}
