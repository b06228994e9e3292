/**
 * The severity of a drift difference, from its category, change, path and attribute alone, so
 * the agent (in the event) and the collector (in the registry, which drives replacement) derive
 * the same value and the collector never has to trust the one an instance sends. The table is
 * documented in docs/facts-drift-registry.md ("Severity").
 */

/** Severities, most severe first. */
export const driftSeverities = ['critical', 'high', 'medium', 'low'] as const;
/** A drift severity. */
export type DriftSeverity = (typeof driftSeverities)[number];

/** The fields severity is decided on. */
export interface SeverityInput {
  category: string;
  change: string;
  path: string;
  attribute?: string | undefined;
}

/** Where executables, libraries, the kernel and its modules live. */
const codePaths = /^\/(usr\/)?(local\/)?(s?bin|lib[^/]*|libexec)(\/|$)|^\/boot(\/|$)/;
/** Configuration that grants privileges or changes what every process loads. */
const privilegedConfig =
  /^\/etc\/(sudoers(\.d)?|pam\.d|security|ld\.so\.preload|ld\.so\.conf(\.d)?|ssh\/sshd_config(\.d)?|passwd|shadow|group|gshadow|crontab|cron\.[^/]+|systemd\/system)(\/|$)/;

/** Severity of one difference (see the table in the docs). */
export function driftSeverity(d: SeverityInput): DriftSeverity {
  switch (d.category) {
    case 'file': {
      const attr = d.attribute ?? '';
      if (d.change === 'changed' && attr === 'inode') return 'low';
      if (codePaths.test(d.path) || privilegedConfig.test(d.path))
        return d.change === 'removed' ? 'high' : 'critical';
      if (d.path.startsWith('/etc/')) return d.change === 'removed' ? 'medium' : 'high';
      return 'medium';
    }
    case 'authorized_keys':
      return d.change === 'removed' ? 'medium' : 'critical';
    case 'module':
    case 'package_file':
      return 'critical';
    case 'socket':
      return d.change === 'added' ? 'high' : 'low';
    case 'user':
    case 'group':
      return d.change === 'removed' ? 'medium' : 'high';
    case 'unit':
      return d.change === 'removed' ? 'medium' : 'high';
    case 'package':
      return 'medium';
    default:
      return 'medium';
  }
}

/** The more severe of two (undefined counts as less than any). */
export function moreSevere(
  a: DriftSeverity | undefined,
  b: DriftSeverity | undefined,
): DriftSeverity | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return driftSeverities.indexOf(a) <= driftSeverities.indexOf(b) ? a : b;
}
