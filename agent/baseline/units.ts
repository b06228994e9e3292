/**
 * Enabled systemd units: the links `systemctl enable` creates in `*.wants/` and `*.requires/`
 * directories of /etc/systemd/system (https://www.freedesktop.org/software/systemd/man/latest/systemctl.html#enable%20UNIT%E2%80%A6).
 * Read from the file system, so it works under a directory prefix and without a running systemd.
 */
import { readdir, readlink } from 'node:fs/promises';
import { realPathOf } from './walk.ts';

/** The directory `systemctl enable` writes to. */
const unitDir = '/etc/systemd/system';

/** Enabled units as `<target>.wants/<unit>` → link target. */
export async function readEnabledUnits(root = '/'): Promise<Record<string, string>> {
  const units: Record<string, string> = {};
  const base = realPathOf(root, unitDir);
  const dirs = await readdir(base, { withFileTypes: true }).catch(() => []);
  for (const dir of dirs) {
    if (!dir.isDirectory() || !/\.(wants|requires)$/.test(dir.name)) continue;
    const links = await readdir(`${base}/${dir.name}`, { withFileTypes: true }).catch(() => []);
    for (const link of links) {
      const key = `${dir.name}/${link.name}`;
      units[key] = link.isSymbolicLink() ? await readlink(`${base}/${key}`).catch(() => '') : '';
    }
  }
  return units;
}
