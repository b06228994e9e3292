/** Registry transitions, pure: status changes by event kind and order, and the kiln fleet rows. */
import { describe, expect, it } from 'vitest';
import { fleetRows, parseStatuses } from '../../../bin/commands/fleet.ts';
import { applyEvents, newRegistryDocument } from '../../../collector/registry/apply.ts';
import { ageStartOf, type InstanceStatus, type RegistryDocument } from '../../../lib/fleet.ts';
import type { WireEvent } from '../../../lib/wire.ts';
import { attestedCloud, attestedIdentity, testIdentity } from '../../support/identity.ts';

const id = testIdentity({ instanceId: 'i-1', imageId: 'ami-1', enrolledAt: '2026-05-01T07:00:00.000Z' });
const t = (s: number) => new Date(Date.UTC(2026, 4, 1, 8) + s * 1000).toISOString();
const heartbeat = (s: number): WireEvent => ({
  '@timestamp': t(s),
  event: { id: `hb-${s}` },
  kiln: { kind: 'heartbeat' },
});
const shutdown = (s: number): WireEvent => ({
  '@timestamp': t(s),
  event: { id: `sd-${s}` },
  kiln: {
    kind: 'lifecycle',
    lifecycle: { phase: 'shutdown' },
    completeness: { file: '/var/log/a', complete: true },
  },
});

function withStatus(status: InstanceStatus, shutdownAt?: number): RegistryDocument {
  const doc = newRegistryDocument(id, t(0));
  doc.kiln.status = status;
  if (shutdownAt !== undefined) doc.kiln.shutdown = { at: t(shutdownAt), complete: true };
  return doc;
}

describe('applyEvents status transitions', () => {
  it.each<[string, RegistryDocument | undefined, WireEvent[], InstanceStatus]>([
    ['a first heartbeat creates a running instance', undefined, [heartbeat(1)], 'running'],
    ['a heartbeat revives a silent instance', withStatus('silent'), [heartbeat(5)], 'running'],
    ['a clean shutdown terminates', withStatus('running'), [shutdown(5)], 'terminated'],
    [
      'a heartbeat older than the shutdown does not revive',
      withStatus('terminated', 10),
      [heartbeat(9)],
      'terminated',
    ],
    [
      'a heartbeat after the shutdown (restarted) revives',
      withStatus('terminated', 10),
      [heartbeat(11)],
      'running',
    ],
    [
      'the policy engine owns replacing: a heartbeat keeps it',
      withStatus('replacing'),
      [heartbeat(5)],
      'replacing',
    ],
    [
      'a heartbeat then a shutdown in one batch ends terminated',
      withStatus('running'),
      [heartbeat(4), shutdown(5)],
      'terminated',
    ],
  ])('%s', (_label, current, events, status) => {
    expect(applyEvents(current, id, events, Date.UTC(2026, 4, 1, 9)).kiln.status).toBe(status);
  });

  it('keeps last_seen at the newest event, whatever the order, and first_seen at the oldest', () => {
    const doc = applyEvents(undefined, id, [heartbeat(30), heartbeat(10), heartbeat(20)], Date.parse(t(60)));
    expect(doc.kiln.first_seen).toBe(t(10));
    expect(doc.kiln.last_seen).toBe(t(30));
  });

  it('never records a time after now, whatever the instance claims', () => {
    const doc = applyEvents(undefined, id, [heartbeat(10_000)], Date.parse(t(60)));
    expect(doc.kiln.first_seen).toBe(t(60));
    expect(doc.kiln.last_seen).toBe(t(60));
  });
});

const facts = (s: number, kiln: Record<string, unknown>): WireEvent => ({
  '@timestamp': t(s),
  event: { id: `facts-${s}` },
  kiln: { kind: 'facts', ...kiln },
});

describe('attested and claimed facts', () => {
  it('takes identity from the token and marks where each fact came from', () => {
    const attested = attestedIdentity({
      instanceId: 'i-0abc',
      hostname: 'ip-10-0-0-1',
      provenance: { ...attestedIdentity({ instanceId: 'x' }).provenance, host_name: 'claimed' },
    });
    const doc = applyEvents(
      undefined,
      attested,
      [
        facts(1, {
          boot_time: t(-60),
          launch_time: '2030-01-01T00:00:00.000Z',
          facts: { claimed: { launch_time: t(-30) } },
        }),
      ],
      Date.parse(t(60)),
    );
    expect(doc.cloud).toEqual(attestedCloud('i-0abc'));
    expect(doc.kiln.launch_time).toBe('2026-01-01T00:00:00.000Z');
    expect(doc.kiln.provenance).toEqual({
      image_id: 'attested',
      account_id: 'attested',
      region: 'attested',
      availability_zone: 'attested',
      instance_type: 'attested',
      launch_time: 'attested',
      host_name: 'claimed',
      boot_time: 'claimed',
    });
    expect(doc.kiln.enrollment).toEqual({
      method: 'aws-iid',
      trust: 'attested',
      enrolled_at: '2026-01-01T00:00:00.000Z',
      agent_id: 'agt_i-0abc',
    });
    expect(ageStartOf(doc)).toEqual({ at: '2026-01-01T00:00:00.000Z', provenance: 'attested' });
  });

  it('lets a claim fill a fact nothing vouches for, marked claimed, but never make the instance younger than its first contact', () => {
    const doc = applyEvents(
      undefined,
      id,
      [facts(1, { facts: { claimed: { launch_time: '2026-05-01T08:30:00.000Z', region: 'eu-west-1' } } })],
      Date.parse(t(3600)),
    );
    expect(doc.kiln.launch_time).toBe('2026-05-01T08:30:00.000Z');
    expect(doc.cloud.region).toBe('eu-west-1');
    expect(doc.kiln.provenance).toMatchObject({ launch_time: 'claimed', region: 'claimed' });
    // Enrolled at 07:00, first event at 08:00:01, claimed launch 08:30: the age starts at enrollment.
    expect(ageStartOf(doc)).toEqual({ at: '2026-05-01T07:00:00.000Z', provenance: 'collector' });
    const older = applyEvents(
      doc,
      id,
      [facts(2, { facts: { claimed: { launch_time: '2026-04-01T00:00:00.000Z' } } })],
      Date.parse(t(3600)),
    );
    expect(ageStartOf(older)).toEqual({ at: '2026-04-01T00:00:00.000Z', provenance: 'claimed' });
  });

  it('does not let a claimed launch time replace an attested one', () => {
    const attested = attestedIdentity({ instanceId: 'i-0abc' });
    const doc = applyEvents(
      undefined,
      attested,
      [facts(1, { facts: { claimed: { launch_time: t(0) } } })],
      Date.parse(t(60)),
    );
    expect(doc.kiln.launch_time).toBe('2026-01-01T00:00:00.000Z');
    expect(doc.kiln.provenance?.launch_time).toBe('attested');
  });
});

describe('drift severity in the registry', () => {
  const drift = (s: number, fields: Record<string, string>): WireEvent => ({
    '@timestamp': t(s),
    event: { id: `drift-${s}` },
    kiln: { kind: 'drift', drift: { severity: 'low', ...fields } },
  });

  it('keeps the most severe drift and when each severity was first seen, derived from what changed', () => {
    const doc = applyEvents(
      newRegistryDocument(id, t(0)),
      id,
      [
        drift(30, { change: 'changed', category: 'file', path: '/etc/motd', attribute: 'sha256' }),
        drift(10, { change: 'added', category: 'socket', path: 'tcp/0.0.0.0:4444' }),
        drift(50, { change: 'added', category: 'authorized_keys', path: '/root/.ssh/authorized_keys' }),
        drift(40, { change: 'added', category: 'socket', path: 'tcp/0.0.0.0:5555' }),
      ],
      Date.parse(t(60)),
    );
    expect(doc.kiln.drift).toMatchObject({
      state: 'drifted',
      count: 4,
      first_at: t(10),
      severity: 'critical',
      first_at_by_severity: { high: t(10), critical: t(50) },
    });
  });
});

describe('kiln fleet rows', () => {
  it('shows instance, image with name, age from launch, drift, status and last seen', () => {
    const doc = newRegistryDocument(id, t(0));
    doc.cloud.image = { id: 'ami-1' };
    doc.kiln.image = { name: 'web', version: '7' };
    doc.kiln.launch_time = t(-3600);
    doc.kiln.last_seen = t(100);
    doc.kiln.drift = { state: 'drifted', count: 2 };
    doc.kiln.provenance = { launch_time: 'attested' };
    doc.kiln.enrollment = { method: 'aws-iid', trust: 'attested', enrolled_at: t(0) };
    expect(fleetRows([doc], Date.parse(t(112)))).toEqual([
      ['i-1', 'ami-1 (web:7)', '1h1m', 'drifted (2)', 'running', 'attested', '12s ago'],
    ]);
    doc.kiln.provenance = { launch_time: 'claimed' };
    doc.kiln.enrollment = { method: 'fleet-token', trust: 'tofu', enrolled_at: t(0) };
    expect(fleetRows([doc], Date.parse(t(112)))[0]!.slice(2, 6)).toEqual([
      '1h1m (claimed)',
      'drifted (2)',
      'running',
      'tofu',
    ]);
  });

  it('parses --status and refuses unknown statuses', () => {
    expect(parseStatuses('running, silent')).toEqual(['running', 'silent']);
    expect(() => parseStatuses('running,dead')).toThrow(
      '--status expects a comma-separated list of running, silent, terminated, replacing, replaced; got "running,dead"',
    );
  });
});
