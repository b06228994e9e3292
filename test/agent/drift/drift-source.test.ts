/**
 * The drift source on a real directory tree: a clean start sends nothing, a change seen by the
 * file-system watcher is sent once as a drift event with its details, and a restart with the same
 * state directory sends nothing again. The stat cache re-hashes only changed files (ctime counts).
 */
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HashStats } from '../../../agent/baseline/scan.ts';
import { agentConfigSchema } from '../../../agent/config.ts';
import { checkWithCache } from '../../../agent/drift/incremental.ts';
import { createDriftSource, type DriftCheckReport } from '../../../agent/drift/index.ts';
import { StatCacheFile } from '../../../agent/drift/stat-cache.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { WireEvent } from '../../../lib/wire.ts';
import { type CapturedTree, captureTree, makeSystemTree, treeRoots } from '../baseline/fixture.ts';

const identity = { instanceId: 'i-0drift', hostname: 'web-1', bootId: 'boot-1' };

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('drift source', () => {
  let root: string;
  let stateDir: string;
  let baseline: CapturedTree;

  beforeEach(async () => {
    root = await makeSystemTree();
    stateDir = await mkdtemp(path.join(tmpdir(), 'kiln-state-'));
    baseline = await captureTree(root, treeRoots);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  function start(events: WireEvent[], reports: DriftCheckReport[], watching: { ready: boolean }) {
    const config = agentConfigSchema.parse({
      collector: { url: 'https://collector.example', enrollmentToken: { env: 'KILN_TOKEN' } },
      stateDir,
      drift: { intervalMs: 3_600_000, watchDebounceMs: 50 },
    });
    const source = createDriftSource(config, identity, silentLogger, {
      root,
      procDir: path.join(root, 'no-proc'),
      now: () => Date.UTC(2026, 4, 1, 9),
      observe: (what, report) => {
        if (what === 'watching') watching.ready = true;
        if (report) reports.push(report);
      },
    });
    return {
      source,
      begin: () =>
        source.start({
          push: async (event, onDurable) => {
            events.push(event as WireEvent);
            onDurable();
          },
        }),
    };
  }

  it('sends each new difference once, with its details, and nothing again after a restart', async () => {
    const events: WireEvent[] = [];
    const reports: DriftCheckReport[] = [];
    const watching = { ready: false };
    const first = start(events, reports, watching);
    await first.begin();
    await waitFor(() => reports.length >= 1 && watching.ready);
    expect(reports[0]).toMatchObject({ reason: 'start', differences: 0, sent: 0 });
    expect(events).toEqual([]);

    await writeFile(path.join(root, 'usr/bin/tool'), '#!/bin/sh\necho changed\n');
    // One change, two differences (size and content), found by the same check.
    await waitFor(() => events.length === 2);
    const event = events[0]!;
    expect(event.kiln).toEqual({
      kind: 'drift',
      drift: {
        change: 'changed',
        category: 'file',
        severity: 'critical',
        path: '/usr/bin/tool',
        attribute: 'size',
        before: '20',
        after: '23',
        baseline_digest: baseline.digest,
      },
    });
    expect(event.file).toEqual({ path: '/usr/bin/tool' });
    expect(event.cloud).toEqual({ instance: { id: 'i-0drift' } });
    expect(event.host).toEqual({ hostname: 'web-1', name: 'web-1', boot: { id: 'boot-1' } });
    expect(event['@timestamp']).toBe('2026-05-01T09:00:00.000Z');
    expect(events.map((e) => (e.kiln.drift as { attribute: string }).attribute)).toEqual(['size', 'sha256']);

    await writeFile(path.join(root, 'etc/new.conf'), 'x=1\n');
    await waitFor(() => events.length === 3);
    expect(events[2]!.kiln.drift).toMatchObject({ change: 'added', path: '/etc/new.conf' });
    await first.source.stop();
    await first.source.stop();

    // A restart (same state directory) finds the same three differences and sends none of them.
    const again: WireEvent[] = [];
    const againReports: DriftCheckReport[] = [];
    const second = start(again, againReports, { ready: false });
    await second.begin();
    await waitFor(() => againReports.length >= 1);
    await second.source.stop();
    expect(againReports[0]).toMatchObject({
      reason: 'start',
      differences: 3,
      sent: 0,
      hashed: 0,
      full: false,
    });
    expect(again).toEqual([]);
    expect(new Set(events.map((e) => e.event.id)).size).toBe(3);
  });

  it('the stat cache re-hashes only files whose size, mtime, ctime or inode changed', async () => {
    const cacheFile = new StatCacheFile(path.join(stateDir, 'cache'));
    const count = async () => {
      const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
      const { differences } = await checkWithCache(baseline.info, {
        root,
        procDir: path.join(root, 'no-proc'),
        cacheFile,
        nowMs: 0,
        counters,
      });
      return { counters, differences };
    };
    const first = await count();
    expect(first.counters).toMatchObject({ hashed: 9, cached: 0 });
    const second = await count();
    expect(second.counters).toMatchObject({ hashed: 0, cached: 9, bytesRead: 0 });

    // Same size, mtime restored: only the ctime tells the content changed.
    const file = path.join(root, 'etc/app.conf');
    const before = await stat(file);
    await writeFile(file, 'listen=9090\n');
    await utimes(file, before.atime, before.mtime);
    const third = await count();
    expect(third.counters).toMatchObject({ hashed: 1, cached: 8 });
    expect(third.differences.map((d) => `${d.path} ${d.attribute}`)).toEqual(['/etc/app.conf sha256']);

    // The cache is a line per file after its header, in walk order.
    const lines = (await readFile(path.join(stateDir, 'cache'), 'utf8')).trimEnd().split('\n');
    expect(lines.length).toBe(1 + 9);
    expect(lines[1]).toMatch(/^\/etc\/app\.conf\t12\t[\d.]+\t[\d.]+\t\d+\t[0-9a-f]{64}$/);
  });
});
