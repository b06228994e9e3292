/**
 * The allowlist: changes expected on a fresh instance, never reported as drift. Entries are globs
 * (picomatch, dotfiles included) matched against a path for files, package files and authorized_keys,
 * and against `<category>:<name>` for the rest (`user:admin`, `package:linux-image-*`, `unit:*.timer`,
 * `module:vboxdrv`, `socket:udp/0.0.0.0:68`).
 * The allowlist is written into the baseline so a reader sees what is not watched.
 */
import picomatch from 'picomatch';
import type { DriftCategory } from './types.ts';

/** What changes on every fresh instance: identity, network, cloud-init output, logs and caches. */
export const defaultAllowlist: readonly string[] = [
  '/etc/ssh/ssh_host_*',
  '/etc/machine-id',
  '/var/lib/dbus/machine-id',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/mtab',
  '/etc/adjtime',
  '/etc/ld.so.cache',
  '/etc/.pwd.lock',
  '/etc/*-',
  '/etc/cloud/cloud-init.disabled',
  '/etc/netplan/50-cloud-init.yaml',
  '/etc/network/interfaces.d/50-cloud-init*',
  '/etc/systemd/network/10-cloud-init-*',
  '/etc/kiln/**',
  '/var/lib/cloud/**',
  '/var/log/**',
  '/var/cache/**',
  '/var/tmp/**',
  '/tmp/**',
  '/run/**',
];

/** The subject an allowlist glob is matched against. */
export function allowlistSubject(category: DriftCategory, name: string): string {
  return category === 'file' || category === 'authorized_keys' || category === 'package_file'
    ? name
    : `${category}:${name}`;
}

/** A compiled allowlist. */
export interface Allowlist {
  readonly globs: readonly string[];
  /** True when a difference of this category and path/name is expected. */
  allows(category: DriftCategory, name: string): boolean;
}

/**
 * Compiles the allowlist (defaults plus configured globs, de-duplicated, order kept). Each glob is
 * tried only on subjects starting with its literal base (`/etc/ssh` for `/etc/ssh/ssh_host_*`):
 * a walk of `/usr` asks for every entry, and almost no glob can match there.
 */
export function compileAllowlist(globs: readonly string[]): Allowlist {
  const unique = [...new Set(globs)];
  const matchers = unique.map((glob) => ({
    base: picomatch.scan(glob).base,
    test: picomatch(glob, { dot: true }),
  }));
  const match = (subject: string) => matchers.some((m) => subject.startsWith(m.base) && m.test(subject));
  return { globs: unique, allows: (category, name) => match(allowlistSubject(category, name)) };
}
