/**
 * Expands the inputs' include globs (Node's fs.glob, https://nodejs.org/api/fs.html#fspromisesglobpattern-options)
 * and drops what the exclude globs match (picomatch). Each path belongs to the first input
 * that includes it, so an input's multiline and timestamp settings apply to it alone.
 */
import { glob, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import picomatch from 'picomatch';
import type { FileInputConfig } from '../../config.ts';

/** A matched file and the index of the input that matched it. */
export interface DiscoveredFile {
  path: string;
  input: number;
}

/** A compiled exclude matcher per input. */
export function compileExcludes(inputs: FileInputConfig[]): Array<(path: string) => boolean> {
  return inputs.map((input) =>
    input.exclude.length === 0 ? () => false : picomatch(input.exclude, { dot: true }),
  );
}

/** Every regular file the inputs match now, first input wins. */
export async function discoverFiles(
  inputs: FileInputConfig[],
  excludes: Array<(path: string) => boolean>,
): Promise<DiscoveredFile[]> {
  const seen = new Set<string>();
  const found: DiscoveredFile[] = [];
  for (const [index, input] of inputs.entries()) {
    for await (const path of glob(input.include)) {
      if (seen.has(path) || excludes[index]!(path) || excludes[index]!(basename(path))) continue;
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      seen.add(path);
      found.push({ path, input: index });
    }
  }
  return found;
}

/**
 * Files next to `path` whose name starts with its name (`app.log.1`, `app.log-20260101`):
 * where copytruncate and rename rotation put the old content.
 */
export async function rotationSiblings(path: string): Promise<string[]> {
  const dir = dirname(path);
  const name = basename(path);
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((entry) => entry !== name && entry.startsWith(name)).map((entry) => join(dir, entry));
}

/** A file in `dir` with the given device and inode (a file renamed while the agent was down). */
export async function findByInode(dir: string, dev: number, ino: number): Promise<string | undefined> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, entry);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.dev === dev && info.ino === ino) return path;
  }
  return undefined;
}
