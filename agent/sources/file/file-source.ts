/**
 * The file source: finds files by glob, tails each with a FileTailer, follows rotation, and
 * keeps per-file checkpoints that only move when the collector confirmed events durable.
 * One loop does everything in turn (scan, look for rotation, read a budget per file, flush
 * idle multiline groups, retire finished files, save checkpoints), so no two steps ever race
 * over the same file, and when the shipper's queue is full the whole loop waits inside
 * `emit` — the files themselves are the buffer.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../../lib/log.ts';
import { sleep } from '../../../lib/retry.ts';
import type { EventSink, Source } from '../../pipeline/source.ts';
import { CheckpointStore, type FileCheckpoint } from './checkpoint-store.ts';
import { compileExcludes, discoverFiles, rotationSiblings } from './discover.ts';
import {
  endsMatch,
  findMovedContent,
  firstCheckpoint,
  hashHead,
  headBytes,
  matchesCheckpoint,
  openCopy,
  type StatLike,
} from './file-identity.ts';
import { decideRotation, type RotationState } from './rotation.ts';
import type { FileSourceSettings } from './settings.ts';
import { FileTailer, readChunkBytes, type TailerHooks } from './tailer.ts';

/** Per-file completeness at shutdown: bytes confirmed durable versus file size. */
export interface FileCompleteness {
  file: string;
  bytesShipped: number;
  fileSize: number;
  complete: boolean;
}

const readBudgetBytes = 1024 * 1024;

/** Tails the configured files. Create with createFileSource (index.ts). */
export class FileSource implements Source {
  readonly name = 'files';
  readonly #s: FileSourceSettings;
  readonly #log: Logger;
  readonly #store: CheckpointStore;
  readonly #excludes: Array<(path: string) => boolean>;
  readonly #tailers: FileTailer[] = [];
  /** Next content generation per dev:inode after a truncation. */
  readonly #generations = new Map<string, number>();
  #saved: FileCheckpoint[] = [];
  #sink: EventSink | undefined;
  #stopping = false;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #lastScanMs = Number.NEGATIVE_INFINITY;
  #lastSaveMs = 0;
  #dirty = false;
  #stopped: Promise<void> | undefined;
  /** The loop's read buffer, shared by every tailer (they read one at a time). */
  readonly #buffer = Buffer.allocUnsafeSlow(readChunkBytes);

  constructor(settings: FileSourceSettings, log: Logger) {
    this.#s = settings;
    this.#log = log;
    this.#store = new CheckpointStore(settings.stateDir);
    this.#excludes = compileExcludes(settings.inputs.map((i) => i.config));
  }

  /** Loads checkpoints and starts tailing in the background. */
  async start(sink: EventSink): Promise<void> {
    this.#sink = sink;
    this.#saved = await this.#store.load();
    await this.#resumeRenamed();
    this.#loop = this.#run();
  }

  /** Reads every file to its end now, all at once, and emits held-back multiline groups. */
  async drain(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    if (this.#stopping) return;
    await this.#tick(true);
  }

  /** Stops reading, saves checkpoints, closes files. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true;
      this.#abort.abort();
      await this.#loop;
      // Nothing reads any more: the leases can shrink to what was emitted (read-times.ts).
      await this.#save(true);
      await Promise.all(this.#tailers.map((t) => t.close()));
    })();
    return this.#stopped;
  }

  /** Bytes durable versus size, per tailed file (for the shutdown report). */
  completeness(): FileCompleteness[] {
    return this.#tailers.map((t) => ({
      file: t.checkpoint.path,
      bytesShipped: t.committed,
      fileSize: t.size,
      complete: t.committed >= t.size,
    }));
  }

  /** Per file: bytes not yet durable and seconds since the checkpoint moved (0 when caught up). */
  lag(): Array<{ path: string; lagBytes: number; checkpointAgeSeconds: number }> {
    const now = this.#s.now();
    return this.#tailers.map((t) => {
      const lagBytes = Math.max(0, t.size - t.committed);
      return {
        path: t.checkpoint.path,
        lagBytes,
        checkpointAgeSeconds: lagBytes > 0 ? Math.max(0, now - t.committedAtMs) / 1000 : 0,
      };
    });
  }

  /** Checkpoints as they would be saved now (tests and telemetry). */
  checkpoints(): FileCheckpoint[] {
    return this.#tailers.map((t) => ({ ...t.checkpoint }));
  }

  async #run(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      let behind = false;
      try {
        behind = await this.#tick(false);
      } catch (error) {
        this.#log.error('file tailing step failed; retrying', { 'error.message': String(error) });
      }
      // A file with more to read than one step's budget is read on at once, not after a poll.
      if (!behind) await sleep(this.#s.pollIntervalMs, this.#abort.signal);
    }
  }

  /** One pass over every file; resolves true when some file has more to read right away. */
  async #tick(final: boolean): Promise<boolean> {
    const now = this.#s.now();
    const scanning = final || now - this.#lastScanMs >= this.#s.scanIntervalMs;
    if (scanning) {
      this.#lastScanMs = now;
      await this.#scan();
    }
    let behind = false;
    if (final) {
      // The drain reads every file at once, each with its own buffer: the shipper's queue takes
      // their events in turn (its waiters are served in order), so a short deadline ships a
      // share of each file instead of one file whole and the others not at all.
      await Promise.all(this.#tailers.map((tailer) => this.#drainOne(tailer)));
    } else {
      // A drain (abort) takes over at once: the rest of this pass would read file after file.
      const stop = () => this.#stopping || this.#abort.signal.aborted;
      for (const tailer of [...this.#tailers]) {
        if (stop()) return false;
        if (tailer.state === 'truncated') continue;
        if ((await this.#observe(tailer, scanning)) === 'truncated') continue;
        if (!(await tailer.readAvailable(readBudgetBytes, stop, this.#buffer))) behind = true;
        await tailer.flushIdle();
      }
    }
    await this.#retire(final);
    if (this.#dirty && (final || now - this.#lastSaveMs >= this.#s.checkpointIntervalMs)) await this.#save();
    return behind;
  }

  async #drainOne(tailer: FileTailer): Promise<void> {
    if (tailer.state === 'truncated') return;
    const buffer = Buffer.allocUnsafeSlow(readChunkBytes);
    // A truncation the read itself noticed (headChanged) is looked at like one seen before it.
    do {
      if ((await this.#observe(tailer, true)) === 'truncated') return;
      await tailer.readAvailable(Number.POSITIVE_INFINITY, () => this.#stopping, buffer);
    } while (tailer.headChanged && !this.#stopping);
    await tailer.flushAll();
  }

  async #observe(tailer: FileTailer, checkHead: boolean, copyCandidate?: string): Promise<RotationState> {
    const open = await tailer.statOpen();
    const cp = tailer.checkpoint;
    const mustCheckHead = checkHead || tailer.headChanged || open.size < tailer.readOffset;
    const headMatches = mustCheckHead ? await tailer.headMatches() : true;
    const atPath = await stat(cp.path).catch(() => undefined);
    const decided = decideRotation({
      open,
      atPath: atPath && { dev: atPath.dev, ino: atPath.ino },
      tracked: { dev: cp.dev, ino: cp.ino, readOffset: tailer.readOffset },
      headMatches,
    });
    if (decided === 'truncated') {
      await this.#onTruncated(tailer, copyCandidate);
      return tailer.state;
    }
    if (decided !== tailer.state && tailer.state !== 'moved') {
      this.#log.info(`file ${decided}`, { 'log.file.path': cp.path, 'kiln.log.fingerprint': cp.fingerprint });
    }
    // A file tailed outside the globs (a found copy or renamed file) stays 'moved' so it retires.
    if (decided !== 'active' || tailer.state !== 'moved') tailer.state = decided;
    return tailer.state;
  }

  /** copytruncate: continue from the copy when one holds our bytes, then start the new content. */
  async #onTruncated(tailer: FileTailer, extraCandidate?: string): Promise<void> {
    const cp = tailer.checkpoint;
    this.#generations.set(`${cp.dev}:${cp.ino}`, cp.generation + 1);
    const candidates = await rotationSiblings(cp.path);
    if (extraCandidate && !candidates.includes(extraCandidate)) candidates.push(extraCandidate);
    const isTailed = (stat: StatLike) =>
      this.#tailers.some((t) => t.checkpoint.dev === stat.dev && t.checkpoint.ino === stat.ino);
    const copy = await openCopy(cp, tailer.readOffset, candidates, isTailed);
    if (copy) {
      this.#log.info('file truncated; reading the rest from its copy', {
        'log.file.path': cp.path,
        'kiln.log.copy': copy.path,
        'log.offset': tailer.readOffset,
      });
      await tailer.swapTo(copy.handle, copy.path, copy.stat);
      this.#markDirty();
      this.#lastScanMs = Number.NEGATIVE_INFINITY;
      return;
    }
    this.#log.warn(
      'file truncated and no copy of its old content found; bytes written after the last read are lost',
      {
        'log.file.path': cp.path,
        'log.offset': tailer.readOffset,
      },
    );
    await tailer.flushAll();
    tailer.state = 'truncated';
    this.#lastScanMs = Number.NEGATIVE_INFINITY;
  }

  async #scan(): Promise<void> {
    const found = await discoverFiles(
      this.#s.inputs.map((i) => i.config),
      this.#excludes,
    );
    for (const { path, input } of found) {
      const info = await stat(path).catch(() => undefined);
      if (!info || info.size === 0) continue;
      const live = this.#tailers.find(
        (t) => t.state !== 'truncated' && t.checkpoint.dev === info.dev && t.checkpoint.ino === info.ino,
      );
      if (live) {
        // A rotated file still matched by the globs stays tailed under its new name.
        if (live.state === 'moved') {
          live.checkpoint.path = path;
          live.state = 'active';
          this.#markDirty();
        }
        continue;
      }
      await this.#track(path, input);
    }
    // Checkpoints of files that no longer exist are forgotten after the first scan.
    this.#saved = [];
  }

  async #track(path: string, input: number, resume?: FileCheckpoint): Promise<FileTailer | undefined> {
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    const info = await handle.stat();
    let checkpoint: FileCheckpoint | undefined = resume && {
      ...resume,
      path,
      dev: info.dev,
      ino: info.ino,
      birthtimeMs: info.birthtimeMs,
    };
    for (const saved of this.#saved) {
      if (await matchesCheckpoint(handle, info, saved)) checkpoint = { ...saved, path };
    }
    if (!checkpoint) {
      // Emptied since the scan saw it: with no head to hash it would match any content, any copy
      // (headLength 0). The next scan takes it up once it has bytes.
      if (info.size === 0 || (await this.#isCopyOfTracked(handle, path))) {
        await handle.close();
        return undefined;
      }
      const sameInode = (c: FileCheckpoint) => c.dev === info.dev && c.ino === info.ino;
      const known = [...this.#saved, ...this.#tailers.map((t) => t.checkpoint)].filter(sameInode);
      const generation = known.reduce(
        (max, c) => Math.max(max, c.generation + 1),
        this.#generations.get(`${info.dev}:${info.ino}`) ?? 0,
      );
      checkpoint = await firstCheckpoint(handle, path, info, generation, this.#s.now());
    }
    this.#saved = this.#saved.filter((c) => c.fingerprint !== checkpoint.fingerprint);
    const tailer = new FileTailer(handle, checkpoint, this.#s.inputs[input]!.tailer, this.#hooks());
    this.#tailers.push(tailer);
    this.#log.info('tailing file', {
      'log.file.path': path,
      'kiln.log.fingerprint': checkpoint.fingerprint,
      'log.offset': checkpoint.offset,
    });
    // Saved before the first event, so a crash can never give the same bytes a second id.
    await this.#save();
    return tailer;
  }

  /**
   * A new file whose head equals a tailed file's head is a copytruncate copy: its bytes are
   * read through the original's tailer (same fingerprint, same ids), never as a new file.
   */
  async #isCopyOfTracked(handle: FileHandle, path: string): Promise<boolean> {
    const { ino } = await handle.stat();
    for (const t of [...this.#tailers]) {
      if (t.checkpoint.ino === ino || t.state === 'truncated') continue;
      // A short head proves little: only trust it for a rotation sibling (app.log → app.log.1).
      const sibling = basename(path).startsWith(basename(t.checkpoint.path));
      if (t.checkpoint.headLength < headBytes && !sibling) continue;
      if ((await hashHead(handle, t.checkpoint.headLength)) !== t.checkpoint.headHash) continue;
      // The original may have been truncated a moment ago: it looks first, and adopts this copy.
      const state = await this.#observe(t, true, path);
      if (this.#tailers.some((other) => other.checkpoint.ino === ino)) return true;
      if (state === 'truncated') continue;
      // Same first KiB: compare the last KiB both have too, so two files with one header differ.
      if (await endsMatch(handle, t)) return true;
      // Unless the original was truncated during that comparison: it looks again, and adopts.
      await this.#observe(t, true, path);
      if (this.#tailers.some((other) => other.checkpoint.ino === ino)) return true;
    }
    return false;
  }

  /**
   * Saved files whose bytes moved while the agent was down: renamed (same inode, found in the
   * same folder) or copied by copytruncate (a sibling with the same head). They are read to
   * their end under their old fingerprint, then let go.
   */
  async #resumeRenamed(): Promise<void> {
    for (const saved of this.#saved) {
      const found = await findMovedContent(saved);
      if (!found) continue;
      const dir = dirname(saved.path);
      const input = this.#s.inputs.findIndex((i) => i.config.include.some((p) => dirname(p) === dir));
      const tailer = await this.#track(found, Math.max(0, input), saved);
      if (tailer) tailer.state = 'moved';
    }
  }

  async #retire(final: boolean): Promise<void> {
    if (final) return;
    const now = this.#s.now();
    for (const tailer of [...this.#tailers]) {
      const done = tailer.pendingAcks === 0 && tailer.settled;
      const finished =
        tailer.state === 'truncated' ||
        ((tailer.state === 'moved' || tailer.state === 'deleted') &&
          tailer.readOffset >= tailer.size &&
          now - tailer.lastGrowthAtMs >= this.#s.closeRotatedAfterMs);
      if (!done || !finished) continue;
      await tailer.close();
      this.#tailers.splice(this.#tailers.indexOf(tailer), 1);
      // A rotated file the globs match under its new name is found by the next scan: it goes on
      // from this checkpoint (#track matches it), not from its first line under a new fingerprint.
      if (tailer.state === 'moved') this.#saved.push(tailer.saved());
      this.#markDirty();
      this.#log.info('file finished', {
        'log.file.path': tailer.checkpoint.path,
        'log.offset': tailer.committed,
      });
    }
  }

  #hooks(): TailerHooks {
    const sink = this.#sink!;
    return {
      emit: (event, onDurable) => (sink.offer?.(event, onDurable) ? undefined : sink.push(event, onDurable)),
      onCheckpoint: () => this.#markDirty(),
      persist: () => this.#save(),
      onRead: this.#s.onRead,
    };
  }

  #markDirty(): void {
    this.#dirty = true;
  }

  async #save(final = false): Promise<void> {
    this.#dirty = false;
    this.#lastSaveMs = this.#s.now();
    const stamp = new Date(this.#lastSaveMs).toISOString();
    // Files not seen this run stay remembered until their inode shows up again or is gone.
    const live = this.#tailers.map((t) => ({ ...t.saved(final), updatedAt: stamp }));
    await this.#store.save([...live, ...this.#saved]);
  }
}
