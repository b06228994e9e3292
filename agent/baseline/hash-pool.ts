/**
 * Hashing, on the calling thread by default (1 MiB per step, the event loop getting a turn
 * between steps), or with `jobs` worker threads that each open, read (1 MiB at a time) and hash
 * a batch of files synchronously and answer with the digests, so hashing uses several cores
 * while the main thread walks and compares. On the 2-core bench machine a thread bought little
 * (a full check of /usr, alternating runs: 9.2-16.7 s with one, 10.2-12.2 s without) and cost
 * ~20 MiB of RSS (a second isolate: 91-92 against 72-75 MiB), so it is opt-in. The worker's
 * code is inline (eval), so it works the same from sources, the bundle and the single-file agent
 * executable.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** The worker: messages are batches `[id, path, algorithm][]`, answers `[id, hex|null, bytes, code?][]`. */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const buf = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', (batch) => {
  const out = [];
  for (const [id, file, algorithm] of batch) {
    let fd;
    try {
      fd = fs.openSync(file, flags);
      const h = crypto.createHash(algorithm);
      let n;
      let bytes = 0;
      while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
        h.update(n === buf.length ? buf : buf.subarray(0, n));
        bytes += n;
      }
      out.push([id, h.digest('hex'), bytes]);
    } catch (e) {
      out.push([id, null, 0, (e && e.code) || String(e && e.message)]);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  parentPort.postMessage(out);
});
`;

const inlineFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const stepBytes = 1 << 20;
let inlineBuffer: Buffer | undefined;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The worker's loop on the calling thread (HashPool with `jobs` 0), 1 MiB per step: a file
 * larger than that gives the event loop a turn between steps, so a large file blocks the
 * agent's shipping for one step (a read and a hash of 1 MiB, about a millisecond), not for the
 * whole file. A small file is hashed without a hop.
 */
async function hashInline(file: string, algorithm: string): Promise<HashResult> {
  let fd: number | undefined;
  try {
    fd = openSync(file, inlineFlags);
    const h = createHash(algorithm);
    let bytes = 0;
    for (;;) {
      inlineBuffer ??= Buffer.allocUnsafeSlow(stepBytes);
      // Another file's step may run during the turn: each step reads into the buffer and hashes it.
      const n = readSync(fd, inlineBuffer, 0, stepBytes, null);
      if (n === 0) break;
      h.update(n === stepBytes ? inlineBuffer : inlineBuffer.subarray(0, n));
      bytes += n;
      if (n === stepBytes) await nextTurn();
    }
    return { ok: true, hex: h.digest('hex'), bytes };
  } catch (error) {
    return { ok: false, code: (error as NodeJS.ErrnoException).code ?? String((error as Error).message) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The outcome of hashing one file: the digest, or the error code (ENOENT when it vanished). */
export type HashResult = { ok: true; hex: string; bytes: number } | { ok: false; code: string };

interface Slot {
  worker: Worker;
  inFlight: number;
}

const batchFiles = 32;
const batchesPerWorker = 2;

/** A pool of hashing threads; close() when done (a running pool keeps the process alive). */
export class HashPool {
  readonly #jobs: number;
  readonly #inline: boolean;
  /** Started on the first hash: a check that hashes nothing (all from the stat cache) starts none. */
  #slots: Slot[] = [];
  readonly #waiting = new Map<number, (r: HashResult) => void>();
  #queue: Array<[number, string, string]> = [];
  #nextId = 0;
  #flushScheduled = false;
  #failure: Error | undefined;

  /**
   * `jobs` 0 (the default) hashes on the calling thread a step at a time (no worker isolate:
   * ~20 MiB less RSS in a check of /usr); `jobs` N > 0 hashes in N threads, for a capture on a
   * builder with cores to spare.
   */
  constructor(jobs = 0) {
    this.#inline = jobs === 0;
    this.#jobs = Math.max(1, jobs);
  }

  #start(): void {
    this.#slots = Array.from({ length: this.#jobs }, () => {
      // The worker holds a buffer and a few batches: a small heap keeps its isolate small.
      const worker = new Worker(workerSource, {
        eval: true,
        resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
      });
      const slot: Slot = { worker, inFlight: 0 };
      worker.on('message', (answers: Array<[number, string | null, number, string?]>) => {
        slot.inFlight--;
        for (const [id, hex, bytes, code] of answers) {
          const done = this.#waiting.get(id);
          this.#waiting.delete(id);
          done?.(hex !== null ? { ok: true, hex, bytes } : { ok: false, code: code ?? 'EIO' });
        }
        this.#dispatch();
      });
      worker.on('error', (error) => {
        this.#failure = error;
        for (const done of this.#waiting.values())
          done({ ok: false, code: `worker failed: ${error.message}` });
        this.#waiting.clear();
      });
      return slot;
    });
  }

  /** Hashes one file (sha256 or md5). */
  hash(file: string, algorithm: 'sha256' | 'md5' = 'sha256'): Promise<HashResult> {
    if (this.#inline) return hashInline(file, algorithm);
    if (this.#failure) return Promise.resolve({ ok: false, code: `worker failed: ${this.#failure.message}` });
    const id = this.#nextId++;
    const promise = new Promise<HashResult>((resolve) => this.#waiting.set(id, resolve));
    this.#queue.push([id, file, algorithm]);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#dispatch();
      });
    }
    return promise;
  }

  #dispatch(): void {
    if (this.#slots.length === 0) this.#start();
    while (this.#queue.length > 0) {
      let slot: Slot | undefined;
      for (const s of this.#slots)
        if (s.inFlight < batchesPerWorker && (!slot || s.inFlight < slot.inFlight)) slot = s;
      if (!slot) return;
      const size = Math.min(batchFiles, Math.ceil(this.#queue.length / this.#slots.length));
      slot.inFlight++;
      slot.worker.postMessage(this.#queue.splice(0, size));
    }
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
