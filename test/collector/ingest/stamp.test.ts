/** Stamping: the collector's namespaces overwritten from the token's identity, claims kept apart, routing. */
import { describe, expect, it } from 'vitest';
import { routeEvent, stampIdentity, toBulkItems } from '../../../collector/ingest/stamp.ts';
import { indexNames } from '../../../lib/indices.ts';
import type { WireEvent } from '../../../lib/wire.ts';
import { attestedCloud, attestedIdentity, testIdentity } from '../../support/identity.ts';

const at = '2026-11-22T10:00:00.000Z';
const ingested = '2026-11-22T10:00:01.000Z';
const event = (extra: Record<string, unknown> = {}): WireEvent =>
  ({ '@timestamp': at, event: { id: 'e1' }, kiln: { kind: 'log' }, message: 'm', ...extra }) as WireEvent;

describe('stampIdentity', () => {
  it("overwrites every collector-owned field the payload claims with the token's identity", () => {
    const stamped = stampIdentity(
      event({
        cloud: {
          instance: { id: 'i-victim' },
          image: { id: 'ami-evil' },
          account: { id: '999999999999' },
          region: 'xx',
        },
        host: { id: 'machine-x', name: 'victim-host', image: { id: 'ami-evil' }, os: { name: 'Debian' } },
        agent: { id: 'i-victim', version: '0.1.0', type: 'kiln-agent' },
        kiln: {
          kind: 'log',
          bake: { id: 'bake-evil' },
          launch_time: '2000-01-01T00:00:00Z',
          log: { fingerprint: 'f' },
        },
        event: { id: 'e1', ingested: '1999-01-01T00:00:00Z', dataset: 'app' },
      }),
      testIdentity({
        instanceId: 'i-real',
        imageId: 'ami-real',
        bakeId: 'bake-1',
        hostname: 'real-host',
        agentId: 'agt_1',
      }),
      ingested,
    );
    expect(stamped.cloud).toEqual({ instance: { id: 'i-real' }, image: { id: 'ami-real' } });
    // A log line's lean identity: `host.image.id` (the same value as `cloud.image.id`) is not stamped.
    expect(stamped.host).toEqual({ name: 'real-host', os: { name: 'Debian' } });
    expect(stamped.agent).toEqual({ id: 'agt_1', version: '0.1.0', type: 'kiln-agent' });
    expect(stamped.kiln).toEqual({ kind: 'log', bake: { id: 'bake-1' }, log: { fingerprint: 'f' } });
    expect(stamped.event).toEqual({ id: 'e1', ingested, dataset: 'app' });
  });

  it('drops image, bake and host name claims the token does not vouch for', () => {
    const stamped = stampIdentity(
      event({
        cloud: { image: { id: 'ami-fake' } },
        host: { name: 'x' },
        kiln: { kind: 'log', bake: { id: 'b' } },
      }),
      testIdentity({ instanceId: 'i-1' }),
      ingested,
    );
    expect(stamped.cloud).toEqual({ instance: { id: 'i-1' } });
    expect(stamped.host).toEqual({});
    expect(stamped.kiln).toEqual({ kind: 'log' });
  });

  it('stamps a log line with the lean identity, and facts, drift and lifecycle with all of it', () => {
    const identity = attestedIdentity({ instanceId: 'i-0abc', hostname: 'ip-10-0-0-1', bakeId: 'bake-1' });
    const claimed = { cloud: { region: 'planted', account: { id: '999999999999' } } };
    const line = stampIdentity(event(claimed), identity, ingested);
    expect(line.cloud).toEqual({ instance: { id: 'i-0abc' }, image: { id: 'ami-0a1b2c3d' } });
    expect(line.host).toEqual({ name: 'ip-10-0-0-1' });
    expect(line.kiln.bake).toEqual({ id: 'bake-1' });
    const all = attestedCloud('i-0abc');
    const full = stampIdentity(event(claimed), identity, ingested, 'full');
    expect(full.cloud).toEqual(all);
    expect(full.host).toEqual({ name: 'ip-10-0-0-1', image: { id: 'ami-0a1b2c3d' } });
    for (const kind of ['drift', 'lifecycle', 'heartbeat'] as const) {
      const doc = stampIdentity(event({ ...claimed, kiln: { kind } }), identity, ingested);
      expect(doc.cloud).toEqual(all);
      expect(doc.host).toEqual({ name: 'ip-10-0-0-1', image: { id: 'ami-0a1b2c3d' } });
    }
  });

  it('keeps only the kind’s own kiln fields: a log cannot carry drift or completeness', () => {
    const stamped = stampIdentity(
      event({
        kiln: {
          kind: 'log',
          drift: { path: '/etc/shadow' },
          completeness: { complete: false },
          log: { lines: 2 },
        },
      }),
      testIdentity({ instanceId: 'i-1' }),
      ingested,
    );
    expect(stamped.kiln).toEqual({ kind: 'log', log: { lines: 2 } });
    const drift = stampIdentity(
      event({ kiln: { kind: 'drift', drift: { path: '/etc/x' }, log: { lines: 1 }, status: 'terminated' } }),
      testIdentity({ instanceId: 'i-1' }),
      ingested,
    );
    expect(drift.kiln).toEqual({ kind: 'drift', drift: { path: '/etc/x', severity: 'medium' } });
  });

  it('sets a drift event’s severity from what changed, whatever the instance claimed', () => {
    const stamped = stampIdentity(
      event({
        kiln: {
          kind: 'drift',
          drift: {
            change: 'changed',
            category: 'file',
            path: '/usr/lib/x86_64-linux-gnu/libc.so.6',
            attribute: 'sha256',
            severity: 'low',
          },
        },
      }),
      testIdentity({ instanceId: 'i-1' }),
      ingested,
    );
    expect(stamped.kiln.drift).toEqual({
      change: 'changed',
      category: 'file',
      path: '/usr/lib/x86_64-linux-gnu/libc.so.6',
      attribute: 'sha256',
      severity: 'critical',
    });
  });

  it('stamps attested cloud facts on facts events and keeps what the instance claimed beyond them apart', () => {
    const stamped = stampIdentity(
      {
        '@timestamp': at,
        event: { id: 'f1' },
        cloud: {
          provider: 'aws',
          region: 'us-east-1',
          account: { id: '123456789012' },
          machine: { type: 't3.micro' },
        },
        kiln: {
          kind: 'facts',
          launch_time: '2030-01-01T00:00:00.000Z',
          boot_time: '2026-11-22T09:00:00.000Z',
          facts: { baked: true, claimed: { region: 'planted' } },
        },
      } as WireEvent,
      attestedIdentity({ instanceId: 'i-0abc' }),
      ingested,
    );
    expect(stamped.cloud).toEqual(attestedCloud('i-0abc'));
    expect(stamped.kiln).toEqual({
      kind: 'facts',
      boot_time: '2026-11-22T09:00:00.000Z',
      launch_time: '2026-01-01T00:00:00.000Z',
      facts: { baked: true, claimed: { region: 'us-east-1', launch_time: '2030-01-01T00:00:00.000Z' } },
    });
  });
});

describe('routing', () => {
  const names = indexNames('kiln');
  const window = { maxPastMs: 7 * 86_400_000, maxFutureMs: 86_400_000 };
  const now = Date.parse('2026-11-22T12:00:00Z');

  it.each([
    ['2026-11-22T10:00:00Z', 'kiln-logs-2026.11.22', false],
    ['2026-11-16T00:00:00Z', 'kiln-logs-2026.11.16', false],
    ['2026-11-23T11:59:59Z', 'kiln-logs-2026.11.23', false],
    ['2026-11-14T00:00:00Z', 'kiln-logs-2026.11.22', true],
    ['0000-01-01T00:00:00Z', 'kiln-logs-2026.11.22', true],
    ['9999-12-31T00:00:00Z', 'kiln-logs-2026.11.22', true],
  ])('@timestamp %s goes to %s', (ts, index, outOfWindow) => {
    expect(routeEvent(event({ '@timestamp': ts }), names, window, now)).toEqual({ index, outOfWindow });
  });

  it('keeps the original @timestamp of an out-of-window event and marks it', () => {
    const [item] = toBulkItems([event({ '@timestamp': '1970-01-01T00:00:00Z' })], names, 'i-1', window, now);
    expect(item!.index).toBe('kiln-logs-2026.11.22');
    expect(item!.doc['@timestamp']).toBe('1970-01-01T00:00:00Z');
    expect((item!.doc.kiln as Record<string, unknown>).ingest).toEqual({ out_of_window: true });
  });

  it("stores a lean log line without the agent's ids, and keeps what the line says of itself", () => {
    const identity = testIdentity({ instanceId: 'i-1', hostname: 'web-1', agentId: 'agt_1', bakeId: 'b-1' });
    const multiline = event({
      log: { file: { path: '/var/log/app.log' }, offset: 7 },
      kiln: { kind: 'log', log: { fingerprint: 'fp-1', multiline: true, lines: 3 } },
    });
    const journal = event({
      agent: { type: 'kiln-agent', version: '0.1.0', id: 'i-1' },
      event: { id: 'e2', created: at },
      kiln: { kind: 'log', log: { journal: 'system' } },
      systemd: { unit: 'nginx.service' },
    });
    const stamped = [multiline, journal].map((e) => stampIdentity(e, identity, ingested));
    const [lean, leanJournal] = toBulkItems(stamped, names, 'i-1', window, now);
    const [full, fullJournal] = toBulkItems(stamped, names, 'i-1', window, now, 'full');
    expect(lean!.id).toBe(full!.id);
    expect(leanJournal!.id).toBe(fullJournal!.id);
    expect(lean!.doc).toEqual({
      '@timestamp': at,
      event: { ingested },
      kiln: { kind: 'log', log: { multiline: true, lines: 3 }, bake: { id: 'b-1' } },
      message: 'm',
      log: { file: { path: '/var/log/app.log' }, offset: 7 },
      cloud: { instance: { id: 'i-1' } },
      host: { name: 'web-1' },
    });
    expect(leanJournal!.doc).toEqual({
      '@timestamp': at,
      event: { created: at, ingested },
      kiln: { kind: 'log', log: { journal: 'system' }, bake: { id: 'b-1' } },
      message: 'm',
      systemd: { unit: 'nginx.service' },
      cloud: { instance: { id: 'i-1' } },
      host: { name: 'web-1' },
    });
    expect(full!.doc.agent).toEqual({ id: 'agt_1' });
    expect(full!.doc.event).toEqual({ id: 'e1', ingested });
    expect(fullJournal!.doc.agent).toEqual({ type: 'kiln-agent', version: '0.1.0', id: 'agt_1' });
  });

  it('stores every other kind with its ids, lean or not', () => {
    const lifecycle = stampIdentity(
      event({ kiln: { kind: 'lifecycle', lifecycle: { phase: 'start' } } }),
      testIdentity({ instanceId: 'i-1', agentId: 'agt_1' }),
      ingested,
    );
    const [item] = toBulkItems([lifecycle], names, 'i-1', window, now);
    expect(item!.doc.agent).toEqual({ id: 'agt_1' });
    expect(item!.doc.event).toEqual({ id: 'e1', ingested });
  });
});
