/**
 * The journalctl command line of one input (pure). Filters are journal matches
 * (https://www.freedesktop.org/software/systemd/man/latest/journalctl.html, "matches"): terms
 * joined by `+` are ORed, so each unit, identifier and the kernel transport is its own term,
 * and `--priority` applies to all of them. `-u`/`-t` are not used because journalctl ANDs them
 * with each other, and `-k` would restrict reading to the current boot.
 */
import type { JournaldInputConfig } from './config.ts';
import { priorityNames } from './config.ts';

/** kiln's default identifiers: PID 1, coredumps, the OOM killer daemon, sshd, cloud-init. */
export const defaultIdentifiers = ['systemd', 'systemd-coredump', 'systemd-oomd', 'sshd', 'cloud-init'];
/** kiln's default units (Debian/Ubuntu name sshd `ssh.service`). */
export const defaultUnits = [
  'ssh.service',
  'sshd.service',
  'cloud-init-local.service',
  'cloud-init.service',
  'cloud-config.service',
  'cloud-final.service',
];

/** The journal matches of an input, as journalctl arguments (empty: every entry). */
export function journalMatches(input: JournaldInputConfig, applicationUnits: readonly string[]): string[] {
  if (input.all) return [];
  const units = new Set([...(input.defaults ? [...defaultUnits, ...applicationUnits] : []), ...input.units]);
  const identifiers = new Set([...(input.defaults ? defaultIdentifiers : []), ...input.identifiers]);
  const terms: string[] = [];
  if (input.defaults) terms.push('_TRANSPORT=kernel');
  for (const unit of units) {
    // The unit's own lines, and what systemd and systemd-coredump say about it.
    terms.push(`_SYSTEMD_UNIT=${unit}`, `UNIT=${unit}`, `COREDUMP_UNIT=${unit}`);
  }
  for (const identifier of identifiers) terms.push(`SYSLOG_IDENTIFIER=${identifier}`);
  return terms.flatMap((term, i) => (i === 0 ? [term] : ['+', term]));
}

/** Where a run of journalctl begins: after a cursor, or at the oldest entry. */
export type ReadFrom = { cursor: string } | 'head';

/** The full argv (without the program) of one journalctl run. */
export function journalctlArgs(
  input: JournaldInputConfig,
  from: ReadFrom,
  options: { follow: boolean; applicationUnits: readonly string[] },
): string[] {
  const args = ['--output=export', '--no-pager', '--quiet', '--utc'];
  if (input.directory) args.push(`--directory=${input.directory}`);
  for (const file of input.files) args.push(`--file=${file}`);
  if (!input.userJournals) args.push('--system');
  args.push(`--priority=0..${priorityNames.indexOf(input.priority)}`);
  if (from !== 'head') args.push(`--after-cursor=${from.cursor}`);
  // --follow alone starts at the last ten entries; --no-tail makes it read from `from`.
  if (options.follow) args.push('--follow', '--no-tail');
  args.push(...journalMatches(input, options.applicationUnits));
  return args;
}
