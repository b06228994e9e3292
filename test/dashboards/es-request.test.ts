/**
 * Every panel of every dashboard, as the Elasticsearch request it stands for, run against the
 * real cluster seeded with a small fleet (test/dashboards/fleet-seed.ts): each returns exactly
 * the rows the panel should draw. The investigation panels run with the instance control set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PanelRow, panelRequest, panelRows, type ViewFilters } from '../../dashboards/es-request.ts';
import { allDashboards, defaultBuildOptions } from '../../dashboards/spec/index.ts';
import type { PanelSpec } from '../../dashboards/spec/types.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../support/es.ts';
import { seedFleet } from './fleet-seed.ts';

const client = testEsClient();
const names = uniqueNames('dash');
const dashboards = allDashboards(defaultBuildOptions);
const day = 86_400_000;
const hour = 3_600_000;

function panel(dashboardKey: string, panelKey: string): PanelSpec {
  const found = dashboards.find((d) => d.key === dashboardKey)?.panels.find((p) => p.key === panelKey);
  if (!found) throw new Error(`no panel ${dashboardKey}/${panelKey}`);
  return found;
}

async function rows(dashboardKey: string, panelKey: string, view?: ViewFilters): Promise<PanelRow[]> {
  const spec = panel(dashboardKey, panelKey);
  const request = panelRequest(spec, names.prefix, view);
  const response = await client.search({
    index: request.index,
    ignore_unavailable: true,
    allow_no_indices: true,
    ...request.body,
  } as never);
  return panelRows(spec, response as never);
}

const instance = (id: string): ViewFilters => ({ terms: { 'cloud.instance.id': [id] } });

beforeAll(async () => {
  expect(await seedFleet(client, names)).toBe(100); // 4 bakes, 6 registry, 7 facts, 31 lifecycle, 7 drift, 5 decisions, 40 log lines
});
afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('[kiln] Fleet overview', () => {
  it.each([
    ['instances', 6],
    ['drifted-count', 3],
    ['silent-count', 1],
    ['past-max-age-count', 1],
  ])('metric %s shows %i', async (key, expected) => {
    expect(await rows('fleet-overview', key)).toEqual([{ m0: expected }]);
  });

  it('instances by status', async () => {
    expect(await rows('fleet-overview', 'by-status')).toEqual([
      { b0: 'running', m0: 4 },
      { b0: 'replaced', m0: 1 },
      { b0: 'silent', m0: 1 },
    ]);
  });

  it('instances by image and status (the largest images outside, their statuses inside)', async () => {
    expect(await rows('fleet-overview', 'by-image')).toEqual([
      { b0: 'ami-222', b1: 'running', m0: 2 },
      { b0: 'ami-222', b1: 'silent', m0: 1 },
      { b0: 'ami-111', b1: 'replaced', m0: 1 },
      { b0: 'ami-111', b1: 'running', m0: 1 },
      { b0: 'ami-333', b1: 'running', m0: 1 },
    ]);
  });

  it('age of running instances with the max-age boundary at 7d', async () => {
    expect(await rows('fleet-overview', 'age-distribution')).toEqual([
      { b0: '0ms–1d', m0: 1 },
      { b0: '1d–3d', m0: 1 },
      { b0: '3d–7d', m0: 1 },
      { b0: 'past max age (≥ 7d)', m0: 1 },
    ]);
  });

  it('replacements over time, by trigger', async () => {
    expect(await rows('fleet-overview', 'replacements')).toEqual([
      { b0: 'max_age', b1: '2026-11-20T00:00:00.000Z', m0: 1 },
      { b0: 'silence', b1: '2026-11-22T00:00:00.000Z', m0: 1 },
    ]);
  });

  it('drifted instances, first drift first', async () => {
    const list = await rows('fleet-overview', 'drifted-list');
    expect(list.map((r) => [r['cloud.instance.id'], r['kiln.drift.count'], r['kiln.status']])).toEqual([
      ['i-a4', 2, 'running'],
      ['i-dead', 3, 'silent'],
      ['i-a2', 2, 'running'],
    ]);
  });

  it('oldest running instances, oldest launch first', async () => {
    const list = await rows('fleet-overview', 'oldest');
    expect(list.map((r) => [r['cloud.instance.id'], r['kiln.age_ms']])).toEqual([
      ['i-a1', 9 * day],
      ['i-a4', 4 * day],
      ['i-a2', 2 * day],
      ['i-a3', 12 * hour],
    ]);
  });
});

describe('[kiln] Instance investigation, control set to the dead instance', () => {
  it('registry entry', async () => {
    const [entry, ...rest] = await rows('instance-investigation', 'registry-entry', instance('i-dead'));
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      'kiln.status': 'silent',
      'kiln.status_reason': 'no heartbeat for 15m',
      'kiln.bake.id': 'b-2',
    });
  });

  it('boot facts: one row per boot, newest first', async () => {
    const facts = await rows('instance-investigation', 'boot-facts', instance('i-dead'));
    expect(facts.map((r) => [r['host.boot.id'], r['cloud.image.id'], r['kiln.bake.id']])).toEqual([
      ['i-dead-boot-2', 'ami-222', 'b-2'],
      ['i-dead-boot-1', 'ami-222', 'b-2'],
    ]);
  });

  it('lifecycle timeline in time order, heartbeats left out', async () => {
    const timeline = await rows('instance-investigation', 'timeline', instance('i-dead'));
    expect(
      timeline.map((r) => [
        r['kiln.kind'],
        r['kiln.lifecycle.phase'] ?? r['kiln.drift.change'] ?? r['kiln.decision.outcome'],
      ]),
    ).toEqual([
      ['facts', null],
      ['lifecycle', 'start'],
      ['drift', 'modified'],
      ['drift', 'changed'],
      ['drift', 'added'],
      ['facts', null],
      ['lifecycle', 'start'],
      ['decision', 'taken'],
    ]);
  });

  it('events over time by kind add up to the timeline', async () => {
    const buckets = await rows('instance-investigation', 'events-over-time', instance('i-dead'));
    const byKind: Record<string, number> = {};
    for (const b of buckets) byKind[String(b.b0)] = (byKind[String(b.b0)] ?? 0) + Number(b.m0);
    expect(byKind).toEqual({ drift: 3, facts: 2, lifecycle: 2, decision: 1 });
  });

  it('last log lines: the last line before silence comes first', async () => {
    const lines = await rows('instance-investigation', 'last-log-lines', instance('i-dead'));
    expect(lines).toHaveLength(30);
    expect(lines[0]).toEqual({
      'log.file.path': '/var/log/app.log',
      message: 'panic: runtime: out of memory',
    });
    expect(lines[1]!.message).toBe('GET /item/28 200');
  });

  it('shutdown completeness of the replaced instance', async () => {
    expect(await rows('instance-investigation', 'incomplete-files', instance('i-old'))).toEqual([{ m0: 1 }]);
    expect(await rows('instance-investigation', 'completeness', instance('i-old'))).toEqual([
      {
        'kiln.completeness.file': '/var/log/app.log',
        'kiln.completeness.bytes_shipped': 1000,
        'kiln.completeness.file_size': 1000,
        'kiln.completeness.complete': true,
      },
      {
        'kiln.completeness.file': '/var/log/syslog',
        'kiln.completeness.bytes_shipped': 800,
        'kiln.completeness.file_size': 900,
        'kiln.completeness.complete': false,
      },
    ]);
  });
});

describe('[kiln] Drift and age', () => {
  it('drift events by path', async () => {
    expect(await rows('drift-and-age', 'drift-by-path')).toEqual([
      { b0: '/etc/nginx/nginx.conf', b1: 'modified', m0: 3 },
      { b0: '/etc/ssh/sshd_config', b1: 'modified', m0: 1 },
      { b0: '/usr/local/bin/miner', b1: 'added', m0: 1 },
    ]);
  });

  it('drift events by package', async () => {
    expect(await rows('drift-and-age', 'drift-by-package')).toEqual([
      { b0: 'curl', b1: 'installed', m0: 1 },
      { b0: 'openssl', b1: 'changed', m0: 1 },
    ]);
  });

  it('drift by category', async () => {
    expect(await rows('drift-and-age', 'drift-by-category')).toEqual([
      { b0: 'file', m0: 5 },
      { b0: 'package', m0: 2 },
    ]);
  });

  it('time from boot to first drift', async () => {
    expect(await rows('drift-and-age', 'boot-to-first-drift')).toEqual([
      { b0: 'under 10m', m0: 1 },
      { b0: '10m–1h', m0: 1 },
      { b0: '1h–1d', m0: 1 },
      { b0: '1d or more', m0: 0 },
    ]);
  });

  it('decisions taken and deferred, by reason', async () => {
    expect(await rows('drift-and-age', 'decisions-by-reason')).toEqual([
      { b0: 'maintenance_window', b1: 'deferred', m0: 1 },
      { b0: 'max_age_exceeded', b1: 'taken', m0: 1 },
      { b0: 'rate_limited', b1: 'deferred', m0: 1 },
      { b0: 'silent_too_long', b1: 'taken', m0: 1 },
    ]);
  });

  it('decisions over time by outcome', async () => {
    const all = await rows('drift-and-age', 'decisions-over-time');
    expect(all.reduce((sum, r) => sum + Number(r.m0), 0)).toBe(5);
    expect(all).toContainEqual({ b0: 'skipped', b1: '2026-11-21T00:00:00.000Z', m0: 1 });
  });

  it('instance age by image', async () => {
    expect(await rows('drift-and-age', 'age-by-image')).toEqual([
      { b0: 'ami-222', m0: 2, m1: 2 * day, m2: (2 * day + 12 * hour) / 2 },
      { b0: 'ami-111', m0: 1, m1: 9 * day, m2: 9 * day },
      { b0: 'ami-333', m0: 1, m1: 4 * day, m2: 4 * day },
    ]);
  });

  it('decision log, newest first', async () => {
    const log = await rows('drift-and-age', 'decision-log');
    expect(log.map((r) => r['cloud.instance.id'])).toEqual(['i-dead', 'i-a1', 'i-a4', 'i-a2', 'i-old']);
    expect(log[0]!['kiln.decision.reason_text']).toBe('silent too long for i-dead');
  });
});

describe('[kiln] Bakes and lineage', () => {
  it('bakes over time by outcome', async () => {
    expect(await rows('bakes-and-lineage', 'bakes-over-time')).toEqual([
      { b0: 'succeeded', b1: '2026-11-10T00:00:00.000Z', m0: 1 },
      { b0: 'succeeded', b1: '2026-11-18T00:00:00.000Z', m0: 1 },
      { b0: 'succeeded', b1: '2026-11-19T00:00:00.000Z', m0: 1 },
      { b0: 'failed', b1: '2026-11-18T00:00:00.000Z', m0: 1 },
    ]);
  });

  it('bake outcomes', async () => {
    expect(await rows('bakes-and-lineage', 'bake-outcomes')).toEqual([
      { b0: 'succeeded', m0: 3 },
      { b0: 'failed', m0: 1 },
    ]);
  });

  it('bake duration by image', async () => {
    const table = await rows('bakes-and-lineage', 'bake-duration');
    expect(table).toHaveLength(2);
    expect(table[0]).toEqual({ b0: 'web', m0: 3, m1: expect.closeTo(1_000_000 / 3, 3), m2: 500_000 });
    expect(table[1]).toEqual({ b0: 'api', m0: 1, m1: 300_000, m2: 300_000 });
  });

  it('which images run where', async () => {
    expect(await rows('bakes-and-lineage', 'images-where')).toEqual([
      { b0: 'ami-222', b1: 'web', m0: 2 },
      { b0: 'ami-111', b1: 'web', m0: 1 },
      { b0: 'ami-333', b1: 'api', m0: 1 },
    ]);
  });

  it("image health: each image's instances by status", async () => {
    // The seeded fleet's 6 instances: ami-222 runs 2 and lost one to silence; ami-111 was replaced once.
    expect(await rows('bakes-and-lineage', 'image-health')).toEqual([
      { b0: 'ami-222', b1: 'running', m0: 2 },
      { b0: 'ami-222', b1: 'silent', m0: 1 },
      { b0: 'ami-111', b1: 'replaced', m0: 1 },
      { b0: 'ami-111', b1: 'running', m0: 1 },
      { b0: 'ami-333', b1: 'running', m0: 1 },
    ]);
  });

  it('bad images: only image marks, none in this fleet', async () => {
    expect(await rows('bakes-and-lineage', 'bad-images')).toEqual([]);
  });

  it('bake lineage, newest first, with parents', async () => {
    const lineage = await rows('bakes-and-lineage', 'lineage');
    expect(
      lineage.map((r) => [r['kiln.bake.id'], r['kiln.bake.parent_bake'], r['kiln.bake.status']]),
    ).toEqual([
      ['b-4', null, 'succeeded'],
      ['b-3', null, 'failed'],
      ['b-2', 'b-1', 'succeeded'],
      ['b-1', null, 'succeeded'],
    ]);
  });
});

describe('coverage', () => {
  it('every panel of every dashboard has a request that Elasticsearch accepts', async () => {
    let ran = 0;
    for (const d of dashboards) {
      for (const p of d.panels) {
        await rows(d.key, p.key);
        ran++;
      }
    }
    expect(ran).toBe(dashboards.reduce((n, d) => n + d.panels.length, 0));
    expect(ran).toBe(33);
  });
});
