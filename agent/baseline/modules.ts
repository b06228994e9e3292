/**
 * Kernel modules: those the image ships (files named `*.ko*` under `/lib/modules` or
 * `/usr/lib/modules`, and the names in `modules.builtin`) against those loaded now
 * (`/proc/modules`). A loaded module the image does not ship was loaded from elsewhere (`insmod
 * /tmp/x.ko`), which a file walk cannot see.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Difference } from './types.ts';
import { realPathOf } from './walk.ts';

const moduleFile = /^(.+)\.ko(\.(gz|xz|zst))?$/;

/** The kernel's name of a module (dashes read as underscores). */
export function moduleName(fileOrName: string): string {
  const base = path.posix.basename(fileOrName);
  return (moduleFile.exec(base)?.[1] ?? base).replaceAll('-', '_');
}

/** The module names the image under `root` ships, sorted. */
export async function imageModules(root: string): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of ['/lib/modules', '/usr/lib/modules']) {
    let entries: Array<{ name: string; parentPath: string; isFile(): boolean }>;
    try {
      entries = await readdir(realPathOf(root, dir), { withFileTypes: true, recursive: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && moduleFile.test(e.name)) names.add(moduleName(e.name));
      if (e.isFile() && e.name === 'modules.builtin') {
        const text = await readFile(path.join(e.parentPath, e.name), 'utf8').catch(() => '');
        for (const line of text.split('\n')) if (line.trim()) names.add(moduleName(line.trim()));
      }
    }
  }
  return [...names].sort();
}

/** A loaded module as `/proc/modules` lists it. */
export interface LoadedModule {
  name: string;
  size: number;
}

/** Parses `/proc/modules` (`name size refcount deps state address`). */
export function parseProcModules(text: string): LoadedModule[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[0])
    .map((f) => ({ name: f[0]!, size: Number(f[1]) }));
}

/** Reads the loaded modules; none when the file is absent (a container has no /proc/modules). */
export async function readLoadedModules(procDir: string): Promise<LoadedModule[]> {
  try {
    return parseProcModules(await readFile(path.join(procDir, 'modules'), 'utf8'));
  } catch {
    return [];
  }
}

/** A difference per loaded module the image does not ship. */
export function compareModules(inImage: readonly string[], loaded: readonly LoadedModule[]): Difference[] {
  const shipped = new Set(inImage);
  return loaded
    .filter((m) => !shipped.has(m.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => ({
      change: 'added',
      category: 'module',
      path: m.name,
      before: 'not in the image',
      after: `loaded (${m.size} bytes)`,
    }));
}
