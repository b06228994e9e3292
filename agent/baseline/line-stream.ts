/**
 * Line streams over files, plain or gzip (recognised by its magic bytes on read, chosen by a
 * `.gz` name on write), with memory bounded by the chunk size whatever the file's size.
 */
import { once } from 'node:events';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  openSync,
  readSync,
  type WriteStream,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';

/** True when the file starts with the gzip magic bytes. */
export async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The file's lines (without `\n`), a chunk's worth (16 KiB) at a time: callers loop over each
 * array synchronously, one async hop per chunk instead of one per line. Small chunks die young:
 * with 256 KiB ones, batches outlived scavenges and the old generation (and the RSS) grew by
 * ~7 MiB in a check of /usr/lib (bench/RESULTS.md). A plain file is read into one buffer, reused
 * for every chunk (a read stream allocates a new one per chunk, and the freed ones left ~10 MiB
 * of external memory and malloc fragmentation behind in a check of /usr).
 */
export async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  const gz = await isGzip(file);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const split = function* (chunk: Buffer): Generator<string[]> {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop()!;
    if (lines.length > 0) yield lines;
  };
  if (gz) {
    const raw = createReadStream(file, { highWaterMark: 16 * 1024 });
    try {
      for await (const chunk of raw.pipe(createGunzip()) as AsyncIterable<Buffer>) yield* split(chunk);
    } finally {
      raw.destroy();
    }
  } else {
    // Synchronous reads: 16 KiB from the page cache takes microseconds, and an awaited read
    // (no read-ahead) left the check idle 0.6 s of its 3.6 s over /usr.
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.allocUnsafeSlow(16 * 1024);
      for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) yield* split(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  rest += decoder.end();
  if (rest.length > 0) yield [rest];
}

/**
 * Walks a stream of batches one item at a time, turning each into a value (`convert` returning
 * undefined skips it): `advance()` answers synchronously within a batch and returns a promise only
 * when the next batch must be taken, so a caller pays one await per batch, not per item.
 */
export class BatchCursor<T, R> {
  readonly #it: AsyncIterator<T[]>;
  readonly #convert: (item: T) => R | undefined;
  #batch: T[];
  #at = 0;
  /** The current value; undefined before the first advance() and once the stream is done. */
  head: R | undefined;
  /** True once the stream has no more items. */
  done = false;

  constructor(batches: AsyncIterable<T[]>, convert: (item: T) => R | undefined, first: T[] = []) {
    this.#it = batches[Symbol.asyncIterator]();
    this.#convert = convert;
    this.#batch = first;
  }

  /** Moves to the next value; a promise only when a new batch must be read. */
  advance(): void | Promise<void> {
    if (!this.#take()) return this.#refill();
  }

  /** Ends the stream early. */
  close(): void {
    void this.#it.return?.(undefined);
  }

  /** Makes the batch's next value the head; false when the batch has none left. */
  #take(): boolean {
    while (this.#at < this.#batch.length) {
      const value = this.#convert(this.#batch[this.#at++]!);
      if (value !== undefined) {
        this.head = value;
        return true;
      }
    }
    return false;
  }

  async #refill(): Promise<void> {
    for (;;) {
      const r = await this.#it.next();
      if (r.done) {
        this.head = undefined;
        this.done = true;
        return;
      }
      this.#batch = r.value;
      this.#at = 0;
      if (this.#take()) return;
    }
  }
}

/** The file's lines (without `\n`), one by one. */
export async function* readLines(file: string): AsyncGenerator<string> {
  for await (const lines of readLineBatches(file)) yield* lines;
}

/** Writes lines to a file with back-pressure; `close()` resolves once everything is on disk. */
export class LineWriter {
  readonly #out: WriteStream;
  readonly #sink: WriteStream | Gzip;
  #buffer: string[] = [];
  #bytes = 0;

  constructor(file: string, options: { gzip?: boolean; mode?: number } = {}) {
    this.#out = createWriteStream(file, { mode: options.mode ?? 0o644 });
    if (options.gzip) {
      const gz = createGzip({ level: 6 });
      gz.pipe(this.#out);
      this.#sink = gz;
    } else {
      this.#sink = this.#out;
    }
  }

  /** Queues one line (a `\n` is added); a promise, to wait for, only when the buffer is flushed. */
  write(line: string): void | Promise<void> {
    this.#buffer.push(line);
    this.#bytes += line.length + 1;
    if (this.#bytes >= 64 * 1024) return this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const text = `${this.#buffer.join('\n')}\n`;
    this.#buffer = [];
    this.#bytes = 0;
    if (!this.#sink.write(text)) await once(this.#sink, 'drain');
  }

  /** Flushes and closes; resolves when the file is complete. */
  async close(): Promise<void> {
    await this.#flush();
    const finished = once(this.#out, 'close');
    this.#sink.end();
    await finished;
  }

  /** Abandons the file (after an error). */
  destroy(): void {
    this.#sink.destroy();
    this.#out.destroy();
  }
}
