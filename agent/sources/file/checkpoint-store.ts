/**
 * Per-file checkpoints on disk: one JSON document in the state directory, replaced atomically
 * (write a temporary file, fsync, rename over the old one; POSIX rename(2) is atomic), so a
 * crash at any moment leaves either the old or the new checkpoints, never a torn file.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { KilnError } from '../../../lib/errors.ts';
import type { ReadTimesState } from './read-times.ts';

/** What is remembered about one file. */
export interface FileCheckpoint {
  /** The file's fingerprint: the source of its event ids. */
  fingerprint: string;
  path: string;
  dev: number;
  ino: number;
  birthtimeMs: number;
  /** How many leading bytes `headHash` covers. */
  headLength: number;
  /** SHA-256 of the first `headLength` bytes: tells inode reuse and truncation apart. */
  headHash: string;
  /** Bumped on every truncation of the same inode, so new content gets new ids. */
  generation: number;
  /** Everything before this byte offset is durable at the collector. */
  offset: number;
  updatedAt: string;
  /** Read days and the emit lease of lines without their own timestamp (read-times.ts). */
  readTimes?: ReadTimesState;
}

interface StateDocument {
  version: 1;
  files: FileCheckpoint[];
}

/** Reads and writes the checkpoint file of a state directory. */
export class CheckpointStore {
  readonly file: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = join(stateDir, 'file-checkpoints.json');
  }

  /** The saved checkpoints; none when the file does not exist yet. */
  async load(): Promise<FileCheckpoint[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new KilnError(
        'KILN_ERR_AGENT',
        `cannot read checkpoints ${this.file}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    try {
      const doc = JSON.parse(text) as StateDocument;
      return Array.isArray(doc.files) ? doc.files : [];
    } catch (error) {
      throw new KilnError(
        'KILN_ERR_AGENT',
        `checkpoints ${this.file} are not valid JSON; move the file away to re-read every file from its beginning (the collector drops the duplicates by id)`,
        { cause: error },
      );
    }
  }

  /** Replaces the saved checkpoints atomically. Saves are serialized, last one wins. */
  save(files: FileCheckpoint[]): Promise<void> {
    const doc: StateDocument = { version: 1, files };
    const body = `${JSON.stringify(doc)}\n`;
    this.#writing = this.#writing.catch(() => {}).then(() => this.#write(body));
    return this.#writing;
  }

  async #write(body: string): Promise<void> {
    const dir = join(this.file, '..');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${this.file}.tmp-${process.pid}`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.file);
  }
}
