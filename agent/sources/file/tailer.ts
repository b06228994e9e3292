/**
 * Tails one content generation of one file through an open descriptor. Holding the
 * descriptor open is what keeps renamed and deleted files readable to their end (the kernel
 * keeps an open inode alive), so nothing rotation takes away is lost while the collector is
 * down. Lines → UTF-8 text → multiline records → events; each event's acknowledgement moves
 * the checkpoint through the in-order OffsetTracker.
 */
import type { FileHandle } from 'node:fs/promises';
import type { AgentIdentity, EncodedEvent } from '../../pipeline/source.ts';
import type { FileCheckpoint } from './checkpoint-store.ts';
import { decodeLine } from './decode-line.ts';
import { type EventShape, LogEventEncoder } from './event-builder.ts';
import { hashHead } from './file-identity.ts';
import { LineSplitter } from './line-splitter.ts';
import { type LogRecord, MultilineGrouper, type MultilineOptions } from './multiline.ts';
import { type OffsetTicket, OffsetTracker } from './offset-tracker.ts';
import { ReadTimes } from './read-times.ts';
import type { RotationState } from './rotation.ts';

/** How a tailer reads and shapes one input's files. */
export interface TailerSettings {
  maxLineBytes: number;
  multiline: MultilineOptions | undefined;
  shape: EventShape;
  identity: AgentIdentity;
  now: () => number;
}

/** Where a tailer sends events and reports checkpoint moves. */
export interface TailerHooks {
  /** Queues the event; a promise when the caller must wait for room (backpressure). */
  emit(event: EncodedEvent, onDurable: () => void): Promise<void> | undefined;
  onCheckpoint(): void;
  /** Saves every checkpoint now (before emitting past what the saved state allows). */
  persist(): Promise<void>;
  /** Counts read bytes and records (telemetry). */
  onRead?(bytes: number, records: number): void;
}

/**
 * One read buffer for every tailer of a source: the source reads one file at a time on its
 * loop, and the splitter copies out the one incomplete line a read can leave. A drain reads the
 * files concurrently and gives each its own buffer.
 */
export const readChunkBytes = 64 * 1024;

/** One tailed file generation. */
export class FileTailer {
  readonly checkpoint: FileCheckpoint;
  state: RotationState = 'active';
  /** Next byte to read. */
  readOffset: number;
  /** File size at the last look. */
  size = 0;
  lastGrowthAtMs: number;
  /** When the checkpoint last moved. */
  committedAtMs: number;
  #handle: FileHandle;
  readonly #settings: TailerSettings;
  readonly #hooks: TailerHooks;
  readonly #splitter: LineSplitter;
  readonly #grouper: MultilineGrouper;
  readonly #tracker: OffsetTracker;
  readonly #encoder: LogEventEncoder;
  readonly #readTimes: ReadTimes;

  constructor(handle: FileHandle, checkpoint: FileCheckpoint, settings: TailerSettings, hooks: TailerHooks) {
    this.#handle = handle;
    this.checkpoint = checkpoint;
    this.#settings = settings;
    this.#hooks = hooks;
    this.readOffset = checkpoint.offset;
    this.#splitter = new LineSplitter(settings.maxLineBytes, checkpoint.offset);
    this.#grouper = new MultilineGrouper(settings.multiline);
    this.#tracker = new OffsetTracker(checkpoint.offset);
    this.#encoder = new LogEventEncoder(settings.identity, settings.shape);
    this.#readTimes = new ReadTimes(checkpoint.readTimes);
    this.lastGrowthAtMs = settings.now();
    this.committedAtMs = settings.now();
  }

  /** Byte offset up to which every event is durable. */
  get committed(): number {
    return this.#tracker.committed;
  }

  /** Events emitted and not yet covered by the checkpoint. */
  get pendingAcks(): number {
    return this.#tracker.pending;
  }

  /** True when everything read has been emitted (no partial group held back). */
  get settled(): boolean {
    return !this.#grouper.hasOpenGroup;
  }

  /**
   * The checkpoint as it is saved: with the read-time state (read-times.ts). `final` (the
   * source's loop has ended: nothing more is emitted) trims the lease to what was emitted.
   */
  saved(final = false): FileCheckpoint {
    const emittedEnd = final ? this.#splitter.pendingOffset : undefined;
    return { ...this.checkpoint, readTimes: this.#readTimes.state(this.committed, emittedEnd) };
  }

  /** The open descriptor's current size and link count. */
  async statOpen(): Promise<{ size: number; nlink: number }> {
    const stat = await this.#handle.stat();
    if (stat.size > this.size) this.lastGrowthAtMs = this.#settings.now();
    this.size = stat.size;
    return { size: stat.size, nlink: stat.nlink };
  }

  /**
   * True when the last head check failed: the file was truncated since the last look. The
   * source must look again (and check the head) before this tailer reads on.
   */
  headChanged = false;

  /** Whether the first bytes are still the ones the fingerprint was taken from. */
  async headMatches(): Promise<boolean> {
    const matches = (await hashHead(this.#handle, this.checkpoint.headLength)) === this.checkpoint.headHash;
    this.headChanged = !matches;
    return matches;
  }

  /**
   * Reads up to `budgetBytes` (or to the end), emitting every completed record. Resolves
   * with true at end of file; false when it stopped early (budget, `shouldStop`, or the head
   * changed under the read: see `headChanged`). Waits inside `emit` while the shipper's
   * queue is full.
   */
  async readAvailable(budgetBytes: number, shouldStop: () => boolean, buffer: Buffer): Promise<boolean> {
    let budget = budgetBytes;
    while (budget > 0 && !shouldStop()) {
      const { bytesRead } = await this.#handle.read(buffer, 0, buffer.length, this.readOffset);
      if (bytesRead === 0) return true;
      // The head was checked before this read, not with it: truncated and refilled since (any
      // await in between), these bytes are the next generation's. They are dropped unread; the
      // source's next look sees the truncation and reads ours from the copy.
      if (!(await this.headMatches())) return false;
      this.readOffset += bytesRead;
      budget -= bytesRead;
      const records: LogRecord[] = [];
      const nowMs = this.#settings.now();
      // The splitter copies what it keeps of the buffer: the next read reuses it.
      for (const raw of this.#splitter.push(buffer.subarray(0, bytesRead))) {
        const { text, invalidUtf8 } = decodeLine(raw.bytes, raw.truncated);
        records.push(
          ...this.#grouper.push(
            {
              offset: raw.offset,
              end: raw.end,
              text,
              truncated: raw.truncated,
              invalidUtf8,
              originalBytes: raw.originalBytes,
            },
            nowMs,
          ),
        );
      }
      this.#hooks.onRead?.(bytesRead, records.length);
      await this.#emitAll(records);
    }
    return false;
  }

  /** Emits a multiline group that waited too long for its next line. */
  async flushIdle(): Promise<void> {
    await this.#emitAll(this.#grouper.flushIdle(this.#settings.now()));
  }

  /** Emits the open multiline group now (shutdown, rotation). */
  async flushAll(): Promise<void> {
    await this.#emitAll(this.#grouper.flush());
  }

  /** Reads `length` bytes at `offset` of the open file. */
  async readAt(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.#handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }

  /** Continues this generation from a copy of the file (copytruncate kept the bytes there). */
  async swapTo(
    handle: FileHandle,
    path: string,
    stat: { dev: number; ino: number; size: number; birthtimeMs: number },
  ) {
    await this.#handle.close().catch(() => {});
    this.#handle = handle;
    // The size last seen was the truncated file's: the copy must not look read to its end.
    this.size = stat.size;
    Object.assign(this.checkpoint, { path, dev: stat.dev, ino: stat.ino, birthtimeMs: stat.birthtimeMs });
    this.state = 'moved';
    this.headChanged = false;
  }

  /** Closes the descriptor. Idempotent. */
  async close(): Promise<void> {
    await this.#handle.close().catch(() => {});
  }

  async #emitAll(records: LogRecord[]): Promise<void> {
    const { now } = this.#settings;
    let isoMs = Number.NaN;
    let iso = '';
    for (const record of records) {
      const ticket = this.#tracker.track(record.end);
      // Empty lines carry nothing to ship, but their bytes still count as done.
      if (record.lines === 1 && record.text === '' && !record.truncated) {
        this.#durable(ticket);
        continue;
      }
      const readAt = this.#readTimes.timeFor(record.offset, now());
      // Saved before the event exists anywhere: a restart then gives it the same day (read-times.ts).
      if (readAt.save) await this.#hooks.persist();
      if (readAt.atMs !== isoMs) {
        isoMs = readAt.atMs;
        iso = new Date(isoMs).toISOString();
      }
      // Waits only when the shipper's queue is full: most lines are queued without a promise.
      const waiting = this.#hooks.emit(this.#encoder.encode(record, this.checkpoint, iso), () =>
        this.#durable(ticket),
      );
      if (waiting) await waiting;
    }
  }

  /** The collector made the event of `ticket` durable: the checkpoint may move past it. */
  #durable(ticket: OffsetTicket): void {
    if (this.#tracker.ack(ticket)) {
      this.checkpoint.offset = this.#tracker.committed;
      this.committedAtMs = this.#settings.now();
      this.#hooks.onCheckpoint();
    }
  }
}
