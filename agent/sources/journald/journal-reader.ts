/**
 * One run of journalctl (the only file here that spawns a process): its export output is
 * parsed as it streams and each entry is handed to `onEntry`, which may wait (backpressure:
 * the stream is not read further, the pipe fills and journalctl blocks). A run ends when
 * journalctl exits (the end of the journal, without `--follow`), or when `signal` aborts it.
 */
import { spawn } from 'node:child_process';
import { ExportParser, type ExportParserLimits, type JournalEntry } from './export-parser.ts';

/** How a run ended. */
export interface ReadOutcome {
  /** journalctl's exit code; null when it was stopped by the signal or failed to start. */
  exitCode: number | null;
  /** The end of what journalctl said on stderr (for the log). */
  stderr: string;
  entries: number;
  /** Why it could not be started (e.g. ENOENT: no journalctl). */
  spawnError?: string;
}

const stderrKeepBytes = 4096;

/** Runs `program args…` and streams its entries to `onEntry`. */
export async function readJournal(
  program: string,
  args: readonly string[],
  limits: ExportParserLimits,
  onEntry: (entry: JournalEntry) => Promise<void>,
  signal: AbortSignal,
): Promise<ReadOutcome> {
  if (signal.aborted) return { exitCode: null, stderr: '', entries: 0 };
  const child = spawn(program, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SYSTEMD_COLORS: '0' },
  });
  let stderr = '';
  let spawnError: string | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-stderrKeepBytes);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      spawnError = error.message;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });
  const stop = () => child.kill('SIGTERM');
  signal.addEventListener('abort', stop, { once: true });
  const parser = new ExportParser(limits);
  let entries = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const entry of parser.push(chunk)) {
        // After an abort, entries already parsed are still handed on: they were read whole.
        await onEntry(entry);
        entries++;
      }
    }
  } catch (error) {
    if (!signal.aborted) stderr += `\n${(error as Error).message}`;
  } finally {
    signal.removeEventListener('abort', stop);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  const code = await exited;
  return {
    exitCode: signal.aborted ? null : code,
    stderr: stderr.trim(),
    entries,
    ...(spawnError ? { spawnError } : {}),
  };
}
