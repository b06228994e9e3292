/**
 * The bake's child processes: Packer (streamed line by line), and the version and git queries.
 * The only place the bake module spawns anything.
 */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { KilnError } from '../lib/errors.ts';

/** Runs a command, handing each stdout and stderr line to `onLine`; resolves with the exit code. */
export function runStreaming(
  command: string,
  argv: readonly string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new KilnError(
              'KILN_ERR_MISSING_TOOL',
              `${command} is not installed or not on PATH; install it (see docs/bake.md)`,
            )
          : error,
      );
    });
    const out = createInterface({ input: child.stdout });
    const err = createInterface({ input: child.stderr });
    out.on('line', (line) => options.onLine(line, 'stdout'));
    err.on('line', (line) => options.onLine(line, 'stderr'));
    let closed = 0;
    let code: number | null = null;
    const done = () => {
      closed += 1;
      if (closed === 3) resolve(code ?? 1);
    };
    out.once('close', done);
    err.once('close', done);
    child.once('close', (exitCode) => {
      code = exitCode;
      done();
    });
  });
}

/** Runs a short command and returns its stdout; undefined when it fails or is missing. */
export function capture(command: string, argv: readonly string[], cwd?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      command,
      argv,
      { cwd, timeout: 30_000, env: { ...process.env, CHECKPOINT_DISABLE: '1' } },
      (error, stdout) => resolve(error ? undefined : stdout),
    );
  });
}

/** The git revision of the repository holding `dir`, and whether any of `files` has uncommitted changes. */
export async function gitState(
  dir: string,
  files: readonly string[],
): Promise<{ revision?: string; dirty?: boolean }> {
  const revision = (await capture('git', ['rev-parse', 'HEAD'], dir))?.trim();
  if (!revision) return {};
  const status = await capture(
    'git',
    ['status', '--porcelain', '--untracked-files=all', '--', ...files],
    dir,
  );
  return { revision, dirty: status === undefined ? true : status.trim() !== '' };
}
