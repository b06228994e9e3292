/**
 * The agent's end of the change feed (native/drift-feed): which paths under the drift roots
 * changed since the last check. It runs the feed as a child process, or connects to the
 * `kiln-drift-feed --listen` socket when one is there (in an image the feed runs as its own
 * unit, so the agent need not hold CAP_SYS_ADMIN), and restarts it when it ends.
 *
 * What a check may rely on is the epoch: it changes whenever changes may have been missed (the
 * feed ended or fell silent, the kernel's queue overflowed, a mount under a root came or went,
 * too many paths piled up). A check that walked the roots while the feed was ready, at epoch E,
 * plus every path taken since while the epoch is still E, is the whole truth (drift source,
 * index.ts). A feed writes a line at least every 2 s ("." when it has nothing to report); one
 * that has done so and then says nothing for `stallMs` has stopped reading (stopped, hung) and
 * cannot vouch for anything, so the check that finds it so restarts it and walks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { escapePath, unescapePath } from '../baseline/entry-line.ts';

/** What a check takes from the feed. */
export interface FeedSnapshot {
  /** The feed's marks were in place (else nothing can be relied on). */
  ready: boolean;
  epoch: number;
  /** Logical paths changed since the last take: true when the subtree may differ too. */
  changes: Map<string, boolean>;
}

/** How to run the feed and what to tell. */
export interface ChangeFeedOptions {
  /** The feed executable (spawned with the roots as arguments) when there is no socket. */
  command?: string;
  /** The `kiln-drift-feed --listen` socket, used when it exists. */
  socket?: string;
  /** Real paths of the roots to watch. */
  roots: readonly string[];
  /** Maps a reported real path to the logical one; undefined drops it (e.g. allowlisted). */
  logical: (real: string) => string | undefined;
  /** Called for each kept change (to schedule a check soon). */
  onChange: () => void;
  /** Called each time the feed is ready (again), and with the reason when it could not start at all. */
  onState?: (state: 'ready' | 'failed', why?: string) => void;
  log: Logger;
  /** Paths held before the feed gives up on them and a walk is cheaper. Default 20 000. */
  maxPaths?: number;
  /** First restart delay (doubling up to a minute). Default 1000 ms. */
  restartMs?: number;
  /** Silence after which a feed that keeps alive is taken for stalled. Default 10 000 ms. */
  stallMs?: number;
}

/** Where the feed executable is: next to the agent's executable or bundle. */
export function findFeedCommand(moduleDir: string): string | undefined {
  const names = ['kiln-drift-feed', `kiln-drift-feed-linux-${process.arch}`];
  const dirs = [path.dirname(process.execPath), moduleDir];
  for (const dir of dirs)
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  return undefined;
}

/** A running change feed (see the module comment). */
export class ChangeFeed {
  readonly #o: ChangeFeedOptions;
  #epoch = 0;
  #ready = false;
  #everReady = false;
  #stopped = false;
  #changes = new Map<string, boolean>();
  #child: ChildProcess | undefined;
  #socket: Socket | undefined;
  #restartMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** Each start is a session; what an ended session's streams still say is ignored. */
  #session = 0;
  #lastLineAt = 0;
  /** This session's feed writes keep-alive lines (older feeds do not: never taken for stalled). */
  #keepsAlive = false;

  constructor(options: ChangeFeedOptions) {
    this.#o = options;
    this.#restartMs = options.restartMs ?? 1000;
  }

  /** Starts the feed (answers at once; `onState` tells when it is ready). */
  start(): void {
    if (this.#stopped) return;
    const { socket, command, roots } = this.#o;
    const session = ++this.#session;
    this.#keepsAlive = false;
    const onEnd = (why: string) => {
      if (session === this.#session) this.#ended(why);
    };
    if (socket && existsSync(socket)) {
      const conn = createConnection(socket);
      this.#socket = conn;
      conn.on('connect', () => conn.write(`watch\t${roots.map(escapePath).join('\t')}\n`));
      conn.on('error', (error) => onEnd(describeError(error)));
      conn.on('close', () => onEnd(`the feed at ${socket} closed the connection`));
      this.#read(conn, session);
      return;
    }
    if (!command) {
      this.#fail('no feed: neither its socket nor its executable (kiln-drift-feed) is installed');
      return;
    }
    const child = spawn(command, [...roots], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    // Held open and never written: the feed ends when it closes, whatever ends the agent.
    child.stdin!.on('error', () => {});
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderr = (stderr + text).slice(-2000);
    });
    child.on('error', (error) => onEnd(describeError(error)));
    child.on('close', (code, signal) =>
      onEnd(stderr.trim() || `${command} ended (${signal ?? `exit code ${code}`})`),
    );
    this.#read(child.stdout!, session);
  }

  /** The changes since the last take (cleared), with the epoch they belong to. */
  take(): FeedSnapshot {
    const silentMs = Date.now() - this.#lastLineAt;
    const stallMs = this.#o.stallMs ?? 10_000;
    if (this.#ready && this.#keepsAlive && silentMs > stallMs) {
      this.#ended(`it wrote nothing for ${Math.round(silentMs / 1000)} s (stopped or hung)`);
    }
    const changes = this.#changes;
    this.#changes = new Map();
    return { ready: this.#ready, epoch: this.#epoch, changes };
  }

  stop(): void {
    this.#stopped = true;
    this.#ready = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#child?.stdin?.end();
    this.#child?.kill('SIGTERM');
    this.#socket?.destroy();
  }

  #read(stream: NodeJS.ReadableStream, session: number): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      if (session === this.#session) this.#line(line);
    });
  }

  #line(line: string): void {
    this.#lastLineAt = Date.now();
    if (line === '.') {
      this.#keepsAlive = true;
      return;
    }
    if (line === 'ready') {
      this.#ready = true;
      this.#restartMs = this.#o.restartMs ?? 1000;
      this.#everReady = true;
      this.#o.onState?.('ready');
      return;
    }
    const kind = line[0];
    const rest = line.slice(2);
    if (kind === '!') {
      if (rest.startsWith('failed: ') || rest.startsWith('busy')) {
        this.#ended(rest);
        return;
      }
      this.#lost(rest);
      return;
    }
    if (kind !== '~' && kind !== '*') return;
    const logical = this.#o.logical(unescapePath(rest));
    if (logical === undefined) return;
    const tree = kind === '*' || this.#changes.get(logical) === true;
    this.#changes.set(logical, tree);
    if (this.#changes.size > (this.#o.maxPaths ?? 20_000)) this.#lost('too many paths changed');
    this.#o.onChange();
  }

  /** Changes may have been missed: the next check walks. */
  #lost(why: string): void {
    this.#epoch++;
    this.#changes = new Map();
    this.#o.log.info('drift change feed lost track; the next check walks the roots', { why });
    this.#o.onChange();
  }

  #ended(why: string): void {
    if (!this.#child && !this.#socket) return;
    this.#session++;
    // An ended session's process is done with (one that exited already ignores the signal).
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
    this.#socket?.destroy();
    this.#socket = undefined;
    const wasReady = this.#ready;
    this.#ready = false;
    this.#epoch++;
    this.#changes = new Map();
    if (this.#stopped) return;
    if (!this.#everReady) {
      this.#fail(why);
      return;
    }
    if (wasReady) this.#o.log.warn('drift change feed ended; restarting it', { why });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.start();
    }, this.#restartMs);
    this.#timer.unref();
    this.#restartMs = Math.min(this.#restartMs * 2, 60_000);
  }

  #fail(why: string): void {
    this.#stopped = true;
    this.#o.onState?.('failed', why);
  }
}
