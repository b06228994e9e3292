/** Child processes of the demo: kiln's own bundles, run with the same Node, stopped on exit. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding kiln.js and kiln-agent.js (dist/ when bundled, bin/ in development). */
export function bundleDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** The entry file of a kiln command (`kiln` or `kiln-agent`) next to this bundle. */
export function entryOf(command: 'kiln' | 'kiln-agent'): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), here.endsWith('.ts') ? `../${command}.ts` : `${command}.js`);
}

/** Starts a kiln command in the background, its output appended to `logFile`. */
export function spawnKiln(command: 'kiln' | 'kiln-agent', args: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [entryOf(command), ...args], { stdio: ['ignore', out, out] });
}

/** Runs a kiln command to completion and returns its stdout (stderr is passed through on failure). */
export function runKiln(
  command: 'kiln' | 'kiln-agent',
  args: string[],
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [entryOf(command), ...args], { encoding: 'utf8' });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Stops a child with SIGTERM and waits for it (SIGKILL after `graceMs`). */
export async function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
