/**
 * The journald source: one JournalInput per configured journal, all sharing one cursor file.
 * Cursors are saved every `checkpointIntervalMs` once they moved, and at stop. On start each
 * input resumes after its saved cursor, so entries of a previous boot that were never
 * acknowledged come first (the journal is read in time order) and carry that boot's id.
 */
import type { Logger } from '../../../lib/log.ts';
import type { AgentIdentity, EventSink, Source } from '../../pipeline/source.ts';
import type { JournaldInputConfig } from './config.ts';
import { dashedId, parseCursor } from './cursor.ts';
import { CursorStore, type SavedCursor } from './cursor-store.ts';
import { type JournalCompleteness, JournalInput } from './journal-input.ts';

export type { JournalCompleteness } from './journal-input.ts';

/** Everything the source needs, compiled from the agent config. */
export interface JournaldSourceSettings {
  stateDir: string;
  inputs: JournaldInputConfig[];
  checkpointIntervalMs: number;
  identity: AgentIdentity;
  /** The application units the bake named (from the image manifest). */
  applicationUnits: () => Promise<string[]>;
  now: () => number;
}

/** Reads the configured journals. Create with createJournaldSource (index.ts). */
export class JournaldSource implements Source {
  readonly name = 'journald';
  readonly #s: JournaldSourceSettings;
  readonly #log: Logger;
  readonly #store: CursorStore;
  #inputs: JournalInput[] = [];
  #saved: Record<string, SavedCursor> = {};
  #abort = new AbortController();
  #runs: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;
  #stopped: Promise<void> | undefined;

  constructor(settings: JournaldSourceSettings, log: Logger) {
    this.#s = settings;
    this.#log = log;
    this.#store = new CursorStore(settings.stateDir);
  }

  /** Loads the cursors and starts reading in the background. */
  async start(sink: EventSink): Promise<void> {
    if (this.#s.inputs.length === 0) return;
    this.#saved = await this.#store.load();
    const applicationUnits = await this.#s.applicationUnits();
    this.#inputs = this.#s.inputs.map(
      (config) =>
        new JournalInput({
          config,
          identity: this.#s.identity,
          applicationUnits,
          cursor: this.#saved[config.id]?.cursor,
          sink,
          log: this.#log,
          now: this.#s.now,
          onCheckpoint: () => {
            this.#dirty = true;
          },
        }),
    );
    for (const input of this.#inputs) this.#announce(input);
    this.#runs = Promise.all(this.#inputs.map((input) => input.run(this.#abort.signal))).then(() => {});
    this.#timer = setInterval(() => void this.#saveIfDirty(), this.#s.checkpointIntervalMs);
    this.#timer.unref();
  }

  /** Reads every journal to its end now (shutdown or termination). */
  async drain(): Promise<void> {
    this.#abort.abort();
    await this.#runs;
    if (this.#stopped) return;
    await Promise.all(this.#inputs.map((input) => input.drain()));
    await this.#saveIfDirty();
  }

  /** Stops reading and saves the cursors. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#abort.abort();
      clearInterval(this.#timer);
      for (const input of this.#inputs) input.close();
      await this.#runs;
      await this.#save();
    })();
    return this.#stopped;
  }

  /** Per input: entries read versus durable, and whether it reached the journal's end. */
  completeness(): JournalCompleteness[] {
    return this.#inputs.map((input) => input.completeness());
  }

  /** The cursors as they would be saved now (tests). */
  cursors(): Record<string, string | undefined> {
    return Object.fromEntries(this.#inputs.map((input) => [input.id, input.committed]));
  }

  #announce(input: JournalInput): void {
    const cursor = input.committed;
    const parts = cursor ? parseCursor(cursor) : undefined;
    const bootId = parts ? dashedId(parts.bootId) : undefined;
    const fields = { 'kiln.log.journal': input.id, 'journald.cursor': cursor ?? null };
    if (bootId && bootId !== this.#s.identity.bootId) {
      this.#log.info('journal: resuming in a previous boot; its unshipped entries go first', {
        ...fields,
        'host.boot.id': bootId,
      });
    } else
      this.#log.info(
        cursor ? 'journal: resuming after its cursor' : 'journal: reading from the start',
        fields,
      );
  }

  async #saveIfDirty(): Promise<void> {
    if (this.#dirty) await this.#save();
  }

  async #save(): Promise<void> {
    this.#dirty = false;
    const stamp = new Date(this.#s.now()).toISOString();
    const journals: Record<string, SavedCursor> = { ...this.#saved };
    for (const input of this.#inputs) {
      const cursor = input.committed;
      if (cursor) journals[input.id] = { cursor, updatedAt: stamp };
    }
    await this.#store.save(journals).catch((error) => {
      this.#dirty = true;
      this.#log.warn('saving journal cursors failed; retrying at the next interval', {
        'error.message': String(error),
      });
    });
  }
}
