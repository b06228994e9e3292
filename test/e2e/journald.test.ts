/**
 * The journald source end to end: real journal files (systemd-journal-remote), the bundled
 * agent and collector as processes, the real Elasticsearch. Exact counts: nothing lost, nothing
 * doubled, across boots, a SIGKILL mid-batch, a reboot, and the collector away for 30 s.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupStorage } from '../../collector/storage/setup.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { runKiln } from '../dashboards/run-kiln.ts';
import { countDocs, dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import { type ExportEntry, entry, journalId, writeJournal } from '../support/journal.ts';
import {
  countLogs,
  type Proc,
  prepareAgent,
  startAgent,
  startCollector,
  waitFor,
  writeAgentConfig,
} from './harness.ts';

const client = testEsClient();
const names = uniqueNames('e2e-jd');
let collector: Awaited<ReturnType<typeof startCollector>>;
const running: Proc[] = [];
const t0 = 1_790_000_000_000_000;

/** `count` lines of one boot of app.service, numbered from `from`, 1 ms apart. */
function bootLines(boot: string, from: number, count: number, offsetUs = 0): ExportEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    __REALTIME_TIMESTAMP: t0 + offsetUs + (from + i) * 1000,
    __MONOTONIC_TIMESTAMP: 5_000_000 + (from + i) * 1000,
    _BOOT_ID: journalId(boot),
    MESSAGE: `${boot} request ${from + i} GET /api/items/${from + i} 200`,
    PRIORITY: 6,
    _TRANSPORT: 'stdout',
    _SYSTEMD_UNIT: 'app.service',
    SYSLOG_IDENTIFIER: 'app',
    _PID: 900,
  }));
}

function dashed(label: string): string {
  const h = journalId(label);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function journalInputs(dir: string, extra: Record<string, unknown> = {}) {
  return {
    inputs: {
      files: [],
      journald: [{ directory: dir, all: true, pollIntervalMs: 200, ...extra }],
      checkpointIntervalMs: 200,
    },
  };
}

async function perBoot(c: Client, n: IndexNames, instanceId: string): Promise<Record<string, number>> {
  await c.indices.refresh({ index: n.pattern('logs') });
  const r = await c.search({
    index: n.pattern('logs'),
    size: 0,
    query: { term: { 'cloud.instance.id': instanceId } },
    aggs: { boots: { terms: { field: 'host.boot.id', size: 10 } } },
  });
  const boots = r.aggregations!.boots as { buckets: Array<{ key: string; doc_count: number }> };
  const buckets = boots.buckets;
  return Object.fromEntries(buckets.map((b) => [b.key, b.doc_count]));
}

beforeAll(async () => {
  await setupStorage(client, names);
  collector = await startCollector(testEsUrl(), names);
  running.push(collector);
});

afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  await dropPrefix(client, names);
  await client.close();
});

describe('journald end to end', () => {
  it('ships 100 000 entries across boots exactly once through a SIGKILL mid-batch and a reboot, the previous boot first', async () => {
    const dirs = await prepareAgent(client, names, 'jd-bulk');
    const journal = join(dirs.base, 'journal');
    mkdirSync(journal);
    await writeJournal(journal, [...bootLines('boot-1', 0, 30_000), ...bootLines('boot-2', 30_000, 40_000)]);
    // One batch in flight: the order batches arrive in is the order they were read in.
    writeAgentConfig(dirs, collector.url, 'i-jd-bulk', [], {
      ...journalInputs(journal),
      shipping: {
        batchMaxEvents: 1000,
        flushIntervalMs: 200,
        maxInFlight: 1,
        backoffBaseMs: 200,
        backoffMaxMs: 2000,
      },
    });
    const first = startAgent(dirs);
    running.push(first);
    await waitFor(
      '20 000 entries',
      async () => (await countLogs(client, names, 'i-jd-bulk')) >= 20_000,
      180_000,
    );
    await first.kill('SIGKILL');
    expect(await countLogs(client, names, 'i-jd-bulk')).toBeLessThan(70_000);
    // The machine rebooted: boot 3 is appended while no agent runs.
    await writeJournal(journal, bootLines('boot-3', 70_000, 30_000, 3_600_000_000));
    const second = startAgent(dirs);
    running.push(second);
    await waitFor(
      '100 000 entries',
      async () => (await countLogs(client, names, 'i-jd-bulk')) >= 100_000,
      240_000,
    );
    expect(await second.kill('SIGTERM')).toBe(0);
    expect(second.output()).toMatch(/resuming in a previous boot/);
    expect(await countLogs(client, names, 'i-jd-bulk')).toBe(100_000);
    expect(await perBoot(client, names, 'i-jd-bulk')).toEqual({
      [dashed('boot-2')]: 40_000,
      [dashed('boot-1')]: 30_000,
      [dashed('boot-3')]: 30_000,
    });
    // Every entry of the previous boots was stored before the first entry of the new one.
    const edge = async (boot: string, order: 'asc' | 'desc') => {
      const r = await client.search<Record<string, any>>({
        index: names.pattern('logs'),
        size: 1,
        query: {
          bool: {
            filter: [
              { term: { 'cloud.instance.id': 'i-jd-bulk' } },
              { term: { 'host.boot.id': dashed(boot) } },
            ],
          },
        },
        // A batch is ingested in one millisecond: the journal's own order breaks the tie.
        sort: [{ 'event.ingested': order }, { 'event.sequence': order }],
      });
      return r.hits.hits[0]!._source!;
    };
    const lastOld = await edge('boot-2', 'desc');
    const firstNew = await edge('boot-3', 'asc');
    expect(Date.parse(lastOld.event.ingested)).toBeLessThanOrEqual(Date.parse(firstNew.event.ingested));
    expect(firstNew).toMatchObject({
      '@timestamp': new Date((t0 + 3_600_000_000 + 70_000 * 1000) / 1000).toISOString(),
      message: 'boot-3 request 70000 GET /api/items/70000 200',
      log: { syslog: { priority: 6, severity: { code: 6, name: 'info' } }, level: 'info' },
      process: { pid: 900 },
      systemd: { unit: 'app.service', transport: 'stdout' },
      host: { boot: { id: dashed('boot-3') } },
      event: { dataset: 'journald', sequence: 70_001 },
      kiln: { kind: 'log', log: { journal: 'system' } },
      cloud: { instance: { id: 'i-jd-bulk' } },
    });
    expect(await countDocs(client, names.pattern('deadletter'))).toBe(0);
  }, 300_000);

  it('loses nothing and doubles nothing when the collector is away for 30 s', async () => {
    const dirs = await prepareAgent(client, names, 'jd-colkill');
    const journal = join(dirs.base, 'journal');
    mkdirSync(journal);
    await writeJournal(journal, bootLines('boot-c', 0, 5000));
    writeAgentConfig(dirs, collector.url, 'i-jd-colkill', [], journalInputs(journal));
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor(
      'the first entries',
      async () => (await countLogs(client, names, 'i-jd-colkill')) >= 5000,
      120_000,
    );
    await collector.kill('SIGKILL');
    for (let i = 1; i <= 10; i++) {
      await writeJournal(journal, bootLines('boot-c', i * 1000 + 4000, 1000));
      await new Promise((r) => setTimeout(r, 3000));
    }
    collector = await startCollector(testEsUrl(), names, collector.port);
    running.push(collector);
    await waitFor(
      '15 000 entries',
      async () => (await countLogs(client, names, 'i-jd-colkill')) >= 15_000,
      120_000,
    );
    expect(await agent.kill('SIGTERM')).toBe(0);
    expect(await countLogs(client, names, 'i-jd-colkill')).toBe(15_000);
    expect(await perBoot(client, names, 'i-jd-colkill')).toEqual({ [dashed('boot-c')]: 15_000 });
    await client.indices.refresh({ index: names.pattern('lifecycle') });
    const reports = await client.search<Record<string, any>>({
      index: names.pattern('lifecycle'),
      query: {
        bool: {
          filter: [
            { term: { 'cloud.instance.id': 'i-jd-colkill' } },
            { term: { 'kiln.lifecycle.phase': 'shutdown' } },
          ],
        },
      },
      sort: [{ '@timestamp': 'asc' }],
      size: 10,
    });
    const kilns = reports.hits.hits.map((h) => h._source!.kiln);
    expect(kilns.map((k) => k.completeness ?? k.lifecycle.final)).toEqual([
      { journal: 'system', entries_read: 15_000, entries_shipped: 15_000, complete: true },
      true,
    ]);
    expect(kilns[1].lifecycle).toMatchObject({ final: true, complete: true, sources: 1 });
  }, 300_000);

  it('reads only the configured unit', async () => {
    const dirs = await prepareAgent(client, names, 'jd-unit');
    const journal = join(dirs.base, 'journal');
    mkdirSync(journal);
    const b = 'boot-u';
    await writeJournal(journal, [
      entry(b, t0, 'nginx line', { _SYSTEMD_UNIT: 'nginx.service', SYSLOG_IDENTIFIER: 'nginx' }),
      entry(b, t0 + 10, 'app line'),
      entry(b, t0 + 20, 'app.service: Main process exited, code=killed, status=9/KILL', {
        _SYSTEMD_UNIT: 'init.scope',
        UNIT: 'app.service',
        SYSLOG_IDENTIFIER: 'systemd',
        _PID: 1,
      }),
      entry(b, t0 + 30, 'debug app line', { PRIORITY: 7 }),
      entry(b, t0 + 40, 'cron line', { _SYSTEMD_UNIT: 'cron.service', SYSLOG_IDENTIFIER: 'CRON' }),
    ]);
    writeAgentConfig(
      dirs,
      collector.url,
      'i-jd-unit',
      [],
      journalInputs(journal, { all: false, defaults: false, units: ['app.service'] }),
    );
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('2 entries', async () => (await countLogs(client, names, 'i-jd-unit')) >= 2, 60_000);
    expect(await agent.kill('SIGTERM')).toBe(0);
    await client.indices.refresh({ index: names.pattern('logs') });
    const r = await client.search<Record<string, any>>({
      index: names.pattern('logs'),
      query: { term: { 'cloud.instance.id': 'i-jd-unit' } },
      sort: [{ '@timestamp': 'asc' }],
      size: 10,
    });
    expect(r.hits.hits.map((h) => h._source!.message)).toEqual([
      'app line',
      'app.service: Main process exited, code=killed, status=9/KILL',
    ]);
    expect(r.hits.hits[1]!._source!.journald.unit).toBe('app.service');
  });

  it('shows a kernel OOM kill as the likely cause in kiln investigate, with the lines around it and the boot markers', async () => {
    const dirs = await prepareAgent(client, names, 'jd-oom');
    const journal = join(dirs.base, 'journal');
    mkdirSync(journal);
    const b = 'boot-oom';
    const k = { _TRANSPORT: 'kernel', SYSLOG_IDENTIFIER: 'kernel', SYSLOG_FACILITY: 0, _SYSTEMD_UNIT: '' };
    const at = (s: number) => t0 + s * 1_000_000;
    await writeJournal(journal, [
      entry(b, at(0), 'Linux version 6.1.0-18-cloud-amd64 (debian-kernel@lists.debian.org)', {
        ...k,
        PRIORITY: 5,
      }),
      entry(b, at(1), 'app started, listening on :8080'),
      entry(b, at(2), 'GET /api/items 200'),
      entry(b, at(3), 'app invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE), order=0', {
        ...k,
        PRIORITY: 4,
      }),
      entry(
        b,
        at(3) + 10,
        'Out of memory: Killed process 4242 (app) total-vm:8123456kB, anon-rss:7900000kB',
        { ...k, PRIORITY: 3 },
      ),
      entry(b, at(4), "app.service: Failed with result 'oom-kill'.", {
        _SYSTEMD_UNIT: 'init.scope',
        UNIT: 'app.service',
        SYSLOG_IDENTIFIER: 'systemd',
        _PID: 1,
        PRIORITY: 4,
      }),
      entry(b, at(5), 'Reached target Power-Off.', {
        _SYSTEMD_UNIT: 'init.scope',
        SYSLOG_IDENTIFIER: 'systemd',
        _PID: 1,
      }),
    ]);
    writeAgentConfig(dirs, collector.url, 'i-jd-oom', [], journalInputs(journal));
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('7 entries', async () => (await countLogs(client, names, 'i-jd-oom')) >= 7, 60_000);
    expect(await agent.kill('SIGTERM')).toBe(0);
    await client.indices.refresh({ index: `${names.prefix}-*` });
    const run = await runKiln([
      'investigate',
      'i-jd-oom',
      '--es-url',
      testEsUrl(),
      '--index-prefix',
      names.prefix,
    ]);
    expect(run.code).toBe(0);
    const out = run.stdout;
    const cause = out.slice(out.indexOf('Likely cause'), out.indexOf('\nTimeline\n')).trim().split('\n');
    const iso = (s: number, extraUs = 0) => new Date((at(s) + extraUs) / 1000).toISOString();
    expect(cause[1]!.trim()).toBe(
      `${iso(3, 10)}  OOM kill                 journal:kernel: Out of memory: Killed process 4242 (app) total-vm:8123456kB, anon-rss:7900000kB`,
    );
    expect(cause).toContain(
      `      > ${iso(3, 10)} journal:kernel: Out of memory: Killed process 4242 (app) total-vm:8123456kB, anon-rss:7900000kB`,
    );
    expect(cause).toContain(`        ${iso(2)} journal:app.service: GET /api/items 200`);
    expect(
      cause.some(
        (l) =>
          l.includes('unit failed (oom-kill)') &&
          l.includes("journal:systemd: app.service: Failed with result 'oom-kill'."),
      ),
    ).toBe(true);
    const timeline = out.slice(out.indexOf('\nTimeline\n'));
    expect(timeline).toContain(
      `${iso(0)}  boot      journal: boot ${dashed(b)} began: Linux version 6.1.0-18-cloud-amd64`,
    );
    expect(timeline).toContain(`${iso(5)}  shutdown  journal: Reached target Power-Off. (boot ${dashed(b)})`);
    const story = JSON.parse(
      (
        await runKiln([
          'investigate',
          'i-jd-oom',
          '--json',
          '--es-url',
          testEsUrl(),
          '--index-prefix',
          names.prefix,
        ])
      ).stdout,
    );
    expect(story.causes.map((c: { kind: string; what: string }) => `${c.kind}/${c.what}`)).toEqual([
      'kernel/OOM kill',
      'failed-unit/unit failed (oom-kill)',
    ]);
  });
});
