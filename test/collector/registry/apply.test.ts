/** Registry transitions, pure: status changes by event kind and order, and the kiln fleet rows. */
import { describe, expect, it } from 'vitest';
import { fleetRows, parseStatuses } from '../../../bin/commands/fleet.ts';
import { applyEvents, newRegistryDocument } from '../../../collector/registry/apply.ts';
import type { InstanceStatus, RegistryDocument } from '../../../lib/fleet.ts';
import type { WireEvent } from '../../../lib/wire.ts';

const id = { instanceId: 'i-1', imageId: 'ami-1' };
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
    const doc = applyEvents(undefined, id, [heartbeat(30), heartbeat(10), heartbeat(20)], 0);
    expect(doc.kiln.first_seen).toBe(t(10));
    expect(doc.kiln.last_seen).toBe(t(30));
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
    expect(fleetRows([doc], Date.parse(t(112)))).toEqual([
      ['i-1', 'ami-1 (web:7)', '1h1m', 'drifted (2)', 'running', '12s ago'],
    ]);
  });

  it('parses --status and refuses unknown statuses', () => {
    expect(parseStatuses('running, silent')).toEqual(['running', 'silent']);
    expect(() => parseStatuses('running,dead')).toThrow(
      '--status expects a comma-separated list of running, silent, terminated, replacing, replaced; got "running,dead"',
    );
  });
});
