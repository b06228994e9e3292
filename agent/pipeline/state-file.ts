/**
 * Small JSON state files of the agent (checkpoints, cursors), replaced atomically: write a
 * temporary file, fsync, rename over the old one (POSIX rename(2) is atomic), so a crash at any
 * moment leaves the old or the new content, never a torn file.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KilnError } from '../../lib/errors.ts';

/** Reads a JSON state file; undefined when it does not exist yet. */
export async function readStateFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KilnError('KILN_ERR_AGENT', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new KilnError(
      'KILN_ERR_AGENT',
      `${file} is not valid JSON; move it away to start over (the collector drops re-sent events by id)`,
      { cause: error },
    );
  }
}

/** Writes a JSON state file atomically (mode 0600, its directory 0700). */
export async function writeStateFile(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.tmp-${process.pid}`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}
