/**
 * The journald inputs' checkpoints: one cursor per input id in `stateDir/journald-cursors.json`,
 * replaced atomically. A cursor is saved only once every entry up to it is durable.
 */
import { join } from 'node:path';
import { readStateFile, writeStateFile } from '../../pipeline/state-file.ts';

/** What is remembered about one input. */
export interface SavedCursor {
  cursor: string;
  updatedAt: string;
}

interface CursorDocument {
  version: 1;
  journals: Record<string, SavedCursor>;
}

/** Reads and writes the cursor file of a state directory. Saves are serialized. */
export class CursorStore {
  readonly file: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = join(stateDir, 'journald-cursors.json');
  }

  /** The saved cursors by input id; none when the file does not exist yet. */
  async load(): Promise<Record<string, SavedCursor>> {
    const doc = (await readStateFile(this.file)) as CursorDocument | undefined;
    return doc && typeof doc.journals === 'object' && doc.journals ? doc.journals : {};
  }

  /** Replaces the saved cursors; the last save wins. */
  save(journals: Record<string, SavedCursor>): Promise<void> {
    const doc: CursorDocument = { version: 1, journals };
    this.#writing = this.#writing.catch(() => {}).then(() => writeStateFile(this.file, doc));
    return this.#writing;
  }
}
