/** The severity table (docs/facts-drift-registry.md, "Severity"), row by row. */
import { describe, expect, it } from 'vitest';
import { renderPlanReport } from '../../collector/policy/plan-report.ts';
import type { Decision } from '../../collector/policy/planner.ts';
import { driftSeverity, moreSevere } from '../../lib/drift-severity.ts';

describe('drift severity', () => {
  it.each([
    ['file', 'changed', '/usr/bin/sudo', 'sha256', 'critical'],
    ['file', 'changed', '/usr/lib/x86_64-linux-gnu/libc.so.6', 'sha256', 'critical'],
    ['file', 'added', '/lib64/ld-linux-x86-64.so.2', undefined, 'critical'],
    ['file', 'changed', '/boot/vmlinuz-6.1.0-28-amd64', 'sha256', 'critical'],
    ['file', 'changed', '/usr/local/bin/app', 'mode', 'critical'],
    ['file', 'changed', '/etc/sudoers.d/90-cloud', 'sha256', 'critical'],
    ['file', 'changed', '/etc/ld.so.preload', 'sha256', 'critical'],
    ['file', 'changed', '/etc/ssh/sshd_config', 'sha256', 'critical'],
    ['file', 'removed', '/usr/sbin/sshd', undefined, 'high'],
    ['file', 'changed', '/usr/bin/sudo', 'inode', 'low'],
    ['file', 'changed', '/etc/nginx/nginx.conf', 'sha256', 'high'],
    ['file', 'removed', '/etc/motd', undefined, 'medium'],
    ['file', 'changed', '/usr/share/doc/x/README', 'sha256', 'medium'],
    ['file', 'added', '/opt/app/extra.txt', undefined, 'medium'],
    ['authorized_keys', 'changed', '/root/.ssh/authorized_keys', 'keys', 'critical'],
    ['authorized_keys', 'added', '/home/admin/.ssh/authorized_keys', undefined, 'critical'],
    ['authorized_keys', 'removed', '/home/admin/.ssh/authorized_keys', undefined, 'medium'],
    ['module', 'added', 'rootkit', undefined, 'critical'],
    ['package_file', 'changed', '/usr/bin/ls', 'md5', 'critical'],
    ['socket', 'added', 'tcp/0.0.0.0:4444', undefined, 'high'],
    ['socket', 'removed', 'tcp/0.0.0.0:22', undefined, 'low'],
    ['user', 'added', 'mallory', undefined, 'high'],
    ['group', 'changed', 'sudo', 'members', 'high'],
    ['unit', 'added', 'multi-user.target.wants/miner.service', undefined, 'high'],
    ['unit', 'removed', 'multi-user.target.wants/auditd.service', undefined, 'medium'],
    ['package', 'changed', 'openssl:amd64', 'version', 'medium'],
  ])('%s %s %s %s is %s', (category, change, path, attribute, expected) => {
    expect(driftSeverity({ category, change, path, attribute })).toBe(expected);
  });

  it('orders severities', () => {
    expect(moreSevere(undefined, 'low')).toBe('low');
    expect(moreSevere('high', 'critical')).toBe('critical');
    expect(moreSevere('medium', 'low')).toBe('medium');
  });

  it('kiln policy plan shows a drift decision’s severity next to its trigger', () => {
    const decision: Decision = {
      id: 'd-1',
      instanceId: 'i-1',
      group: 'g',
      trigger: 'drift',
      kind: 'replace',
      action: 'command',
      reasonText: 'drifted (critical) from its baseline 2m ago',
      ageMs: 60_000,
      ageProvenance: 'attested',
      outcome: 'taken',
      reason: 'drift_grace_elapsed',
      order: 1,
      severity: 'critical',
    };
    const text = renderPlanReport({
      policy: 'p',
      at: '2026-03-02T12:00:00.000Z',
      dryRun: false,
      killSwitch: false,
      windowOpen: true,
      inFlight: [],
      decisions: [decision],
      images: [],
      warnings: [],
    });
    expect(text.split('\n').find((l) => l.includes('i-1'))).toMatch(
      / drift \(critical\) +command +drift_grace_elapsed +drifted \(critical\)/,
    );
  });
});
