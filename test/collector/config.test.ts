/** The collector config file: defaults, strictness with errors naming file, key and expectation, and flags over the file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { effectiveConfig } from '../../bin/commands/collector-run.ts';
import { defaultCollectorConfig, loadCollectorConfig } from '../../collector/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-collector-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('collector config', () => {
  it('has a documented default for everything', () => {
    const config = defaultCollectorConfig();
    expect(config.listen).toBe('127.0.0.1:7700');
    expect(config.limits).toMatchObject({
      maxConnections: 16_384,
      maxBodyBytes: 4 * 1024 * 1024,
      maxInflatedBytes: 8 * 1024 * 1024,
      maxEventBytes: 1024 * 1024,
      maxBufferedBytes: 64 * 1024 * 1024,
      perInstance: { maxBatchesInFlight: 4, bytesPerSecond: 16 * 1024 * 1024, burstBytes: 64 * 1024 * 1024 },
      timestampWindow: { maxPastMs: 7 * 86_400_000, maxFutureMs: 86_400_000 },
    });
    expect(config.enrollment.aws).toMatchObject({
      enabled: true,
      maxDocumentAgeMs: 3_600_000,
      allow: { accounts: [] },
    });
    expect(config.silenceAfterMs).toBe(300_000);
    expect(config.tokenCacheTtlMs).toBe(30_000);
    expect(config.logIdentity).toBe('lean');
  });

  it('ships examples/collector.yaml, whose values are the defaults except the lines marked example', () => {
    const example = loadCollectorConfig(join(import.meta.dirname, '../../examples/collector.yaml'));
    const { listen, retention, policy, enrollment, ...rest } = example;
    const defaults = defaultCollectorConfig();
    const { listen: _l, enrollment: defaultEnrollment, ...defaultRest } = defaults;
    expect(rest).toEqual(defaultRest);
    expect({ listen, retention, policy }).toEqual({
      listen: '0.0.0.0:7700',
      retention: { logs: 14, facts: 90 },
      policy: { file: '/etc/kiln/policy.yaml', intervalMs: 60_000 },
    });
    expect(enrollment).toEqual({
      ...defaultEnrollment,
      aws: {
        ...defaultEnrollment.aws,
        allow: { ...defaultEnrollment.aws.allow, accounts: ['123456789012'] },
      },
    });
  });

  it('reads YAML and keeps defaults for what it leaves out', () => {
    const config = loadCollectorConfig(
      file(
        'ok.yaml',
        'listen: 0.0.0.0:7700\nenrollment:\n  aws:\n    allow: { accounts: ["123456789012"], regions: [eu-west-1] }\nlimits:\n  perInstance: { bytesPerSecond: 1048576 }\nretention: { logs: 14, audit: 365 }\n',
      ),
    );
    expect(config.listen).toBe('0.0.0.0:7700');
    expect(config.enrollment.aws.allow).toEqual({
      accounts: ['123456789012'],
      regions: ['eu-west-1'],
      imageIds: [],
      bakedImagesOnly: false,
      autoscalingGroups: [],
    });
    expect(config.limits.perInstance).toEqual({
      maxBatchesInFlight: 4,
      bytesPerSecond: 1_048_576,
      burstBytes: 64 * 1024 * 1024,
    });
    expect(config.retention).toEqual({ logs: 14, audit: 365 });
  });

  it.each([
    [
      'unknown.yaml',
      'limits: { maxBodyByte: 10 }\n',
      'unknown.yaml: limits.maxBodyByte: unknown key (check the spelling; see the README for the accepted keys)',
    ],
    [
      'type.yaml',
      'limits: { maxEventBytes: lots }\n',
      'type.yaml: limits.maxEventBytes: expected number, received string',
    ],
    [
      'account.yaml',
      'enrollment: { aws: { allow: { accounts: ["12"] } } }\n',
      'account.yaml: enrollment.aws.allow.accounts.0: expected a 12-digit AWS account id',
    ],
    [
      'groups.yaml',
      'enrollment: { aws: { allow: { accounts: ["123456789012"], autoscalingGroups: [web] } } }\n',
      'groups.yaml: enrollment.aws.allow.autoscalingGroups: expected enrollment.aws.verifyInstance.enabled: true (the group comes from EC2, never from the instance)',
    ],
    ['family.yaml', 'retention: { log: 3 }\n', 'family.yaml: retention.log: unknown key'],
    ['identity.yaml', 'logIdentity: all\n', 'identity.yaml: logIdentity: expected one of "lean"|"full"'],
  ])('refuses %s with the file, key and expectation', (name, text, message) => {
    const path = file(name, text);
    expect(() => loadCollectorConfig(path)).toThrow(message.replace(name, path));
  });

  it('lets the flags the user gave override the file', () => {
    const path = file('base.yaml', 'listen: 127.0.0.1:7000\nsilenceAfterMs: 60000\n');
    const given = new Set(['listen', 'silenceAfter']);
    const config = effectiveConfig(
      { config: path, listen: '0.0.0.0:9000', silenceAfter: '2m', policy: 'ignored' },
      (f) => given.has(f),
    );
    expect(config.listen).toBe('0.0.0.0:9000');
    expect(config.silenceAfterMs).toBe(120_000);
    expect(config.policy).toBeUndefined();
  });
});
