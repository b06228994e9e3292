/**
 * Debian packages for the benchmarks' peers, unpacked instead of installed: `apt-get download`
 * into `<cacheDir>/debs`, then `dpkg -x` of each into `<cacheDir>/root`. Nothing is configured,
 * no service starts, and packages that conflict as installs (rsyslog, syslog-ng-core) can sit
 * side by side.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Downloads `packages` and unpacks every .deb into `<cacheDir>/root`; returns that root. */
export function unpackDebs(
  packages: readonly string[],
  cacheDir: string,
  log: (line: string) => void = () => {},
): string {
  const debs = join(cacheDir, 'debs');
  const root = join(cacheDir, 'root');
  mkdirSync(debs, { recursive: true });
  log(`downloading ${packages.join(' ')} into ${debs}`);
  const download = spawnSync('apt-get', ['download', ...packages], { cwd: debs, encoding: 'utf8' });
  if (download.status !== 0) {
    throw new Error(`apt-get download failed (run "apt-get update" first?): ${download.stderr.trim()}`);
  }
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
    const unpacked = spawnSync('dpkg', ['-x', join(debs, deb), root], { encoding: 'utf8' });
    if (unpacked.status !== 0) throw new Error(`dpkg -x ${deb} failed: ${unpacked.stderr.trim()}`);
  }
  return root;
}
