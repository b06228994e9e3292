/**
 * The benchmark's child processes: each one's output goes to its own log file, and every child
 * started is remembered so one stopAll() ends them all, also when the run fails half-way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { sleep } from '../../lib/retry.ts';

/** A started child and where its output goes. */
export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** The last lines of its output, for error messages. */
  tail(lines?: number): string;
  /** True while it runs. */
  running(): boolean;
}

/** Starts and stops the benchmark's children. */
export class Processes {
  readonly #children: Child[] = [];

  /** Spawns `command args`, output appended to `logFile`. */
  start(name: string, command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): Child {
    const out = openSync(logFile, 'a');
    const child = spawn(command, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
    const entry: Child = {
      name,
      process: child,
      logFile,
      tail: (lines = 15) => {
        try {
          return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        } catch {
          return '';
        }
      },
      running: () => child.exitCode === null && child.signalCode === null,
    };
    this.#children.push(entry);
    return entry;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; waits until it is gone. Idempotent. */
  async stop(child: Child, graceMs = 15_000): Promise<void> {
    if (!child.running()) return;
    const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops every child still running (the clean-up path). */
  async stopAll(): Promise<void> {
    await Promise.all(this.#children.map((c) => this.stop(c, 5000)));
  }
}

/** Polls `check` every `intervalMs` until it is true; throws `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
