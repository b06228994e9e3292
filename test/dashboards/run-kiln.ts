/** Runs the real `kiln` command line (bin/kiln.ts under this Node) and captures its result. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const kilnEntry = fileURLToPath(new URL('../../bin/kiln.ts', import.meta.url));

/** The outcome of one kiln run. */
export interface KilnRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kiln <args>` and resolves with its exit code and output (never rejects on a non-zero exit). */
export function runKiln(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<KilnRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [kilnEntry, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
