/**
 * Installed packages: the dpkg status database (`<admindir>/status`, the format of deb-control(5)
 * paragraphs; https://man7.org/linux/man-pages/man1/dpkg.1.html) and, when the rpm tool and an rpm
 * database are present, `rpm --root … -qa`. Read from files, so a test never changes the machine.
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { PackageEntry } from './types.ts';
import { realPathOf } from './walk.ts';

const run = promisify(execFile);

/** The package key in the baseline: `name:arch`. */
export function packageKey(entry: Pick<PackageEntry, 'name' | 'arch'>): string {
  return `${entry.name}:${entry.arch}`;
}

/** Parses a dpkg status file; only packages whose status is `install ok installed` count. */
export function parseDpkgStatus(text: string): PackageEntry[] {
  const packages: PackageEntry[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of paragraph.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    const name = fields.get('package');
    const status = fields.get('status')?.split(/\s+/);
    if (!name || status?.[2] !== 'installed') continue;
    packages.push({
      name,
      version: fields.get('version') ?? '',
      arch: fields.get('architecture') ?? '',
      manager: 'dpkg',
    });
  }
  return packages;
}

/** Parses `rpm -qa --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n'` output. */
export function parseRpmList(text: string): PackageEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name = '', version = '', arch = ''] = line.split('\t');
      return { name, version: version.replace(/^0:/, ''), arch, manager: 'rpm' as const };
    })
    .filter((p) => p.name !== '' && p.name !== 'gpg-pubkey');
}

/** Where to read packages from. */
export interface PackageSources {
  /** Directory prefix of the system. Default `/`. */
  root?: string;
  /** dpkg database directory (real path). Default `<root>/var/lib/dpkg`. */
  dpkgAdminDir?: string;
}

/** Every installed package, keyed by `name:arch`. */
export async function readInstalledPackages(
  sources: PackageSources = {},
): Promise<Record<string, PackageEntry>> {
  const root = sources.root ?? '/';
  const out: Record<string, PackageEntry> = {};
  const adminDir = sources.dpkgAdminDir ?? realPathOf(root, '/var/lib/dpkg');
  const status = await readFile(`${adminDir}/status`, 'utf8').catch(() => undefined);
  if (status !== undefined) for (const p of parseDpkgStatus(status)) out[packageKey(p)] = p;
  for (const p of await readRpmPackages(root)) out[packageKey(p)] = p;
  return out;
}

async function readRpmPackages(root: string): Promise<PackageEntry[]> {
  const databases = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'].map((d) => realPathOf(root, d));
  const present = await Promise.all(
    databases.map((d) =>
      access(d).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (!present.some(Boolean)) return [];
  try {
    const { stdout } = await run(
      'rpm',
      ['--root', root, '-qa', '--qf', '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return parseRpmList(stdout);
  } catch {
    // An rpm database without the rpm tool (or an unreadable one): nothing kiln can list.
    return [];
  }
}
