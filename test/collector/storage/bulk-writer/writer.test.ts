/**
 * The bulk writer against real Elasticsearch: exactly-once storage by deterministic id,
 * dead letters for mapping conflicts, and honest reports when the cluster stops mid-write
 * (a second, dedicated local Elasticsearch that the test stops and starts again).
 */

import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DocumentItem,
  type SplicedItem,
  sourceOf,
} from '../../../../collector/storage/bulk-writer/encoder.ts';
import { BulkWriter } from '../../../../collector/storage/bulk-writer/writer.ts';
import { setupStorage } from '../../../../collector/storage/setup.ts';
import { createEsClient } from '../../../../lib/es.ts';
import type { IndexNames } from '../../../../lib/indices.ts';
import { freePort, startLocalEs, stopLocalEs } from '../../../../lib/local-es/index.ts';
import { countDocs, dropPrefix, testEsClient, uniqueNames } from '../../../support/es.ts';
import { splicedItem } from '../../../support/spliced-item.ts';

const day = Date.UTC(2026, 10, 22, 10);

function logEvents(names: IndexNames, count: number, from = 0): DocumentItem[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return {
      id: `evt-${n}`,
      index: names.daily('logs', day),
      doc: {
        '@timestamp': new Date(day + n).toISOString(),
        message: `GET /item/${n} 200`,
        log: { file: { path: '/var/log/app.log' }, offset: n * 20 },
        cloud: { instance: { id: 'i-0abc' } },
        kiln: { kind: 'log' },
      },
    };
  });
}

describe('BulkWriter on the shared cluster', () => {
  const client = testEsClient();
  const names = uniqueNames('bulk');
  const writer = new BulkWriter(client, names);

  beforeAll(async () => {
    await setupStorage(client, names);
  });
  afterAll(async () => {
    await dropPrefix(client, names);
    await client.close();
  });

  it('writing the same 10 000 events twice leaves exactly 10 000 documents', async () => {
    const events = logEvents(names, 10_000);
    const first = await writer.write(events);
    expect(first.stored).toHaveLength(10_000);
    expect(first.failed).toEqual([]);
    const second = await writer.write(events);
    expect(second.stored).toEqual([]);
    expect(second.duplicates).toHaveLength(10_000);
    expect(await countDocs(client, names.pattern('logs'))).toBe(10_000);
  });

  it('sends a mapping conflict to the dead-letter index with its reason and stores the rest', async () => {
    const events = logEvents(names, 5, 20_000);
    (events[2]!.doc.log as { offset: unknown }).offset = 'not-a-number';
    const report = await writer.write(events);
    expect(report.stored).toEqual(['evt-20000', 'evt-20001', 'evt-20003', 'evt-20004']);
    expect(report.deadLettered).toHaveLength(1);
    expect(report.deadLettered[0]!.id).toBe('evt-20002');
    expect(report.deadLettered[0]!.reason).toMatch(/failed to parse field \[log\.offset\] of type \[long\]/);

    expect(await countDocs(client, names.pattern('deadletter'))).toBe(1);
    const letter = await client.get<Record<string, any>>({
      index: names.daily('deadletter', Date.now()),
      id: 'evt-20002',
    });
    expect(letter._source!.kiln.deadletter.index).toBe(names.daily('logs', day));
    expect(letter._source!.kiln.deadletter.status).toBe(400);
    expect(letter._source!.error.type).toBe('document_parsing_exception');
    expect(JSON.parse(letter._source!.event.original).log.offset).toBe('not-a-number');
    expect(letter._source!.cloud.instance.id).toBe('i-0abc');

    const again = await writer.write([events[2]!]);
    expect(again.deadLettered.map((d) => d.id)).toEqual(['evt-20002']);
    expect(await countDocs(client, names.pattern('deadletter'))).toBe(1);
  });

  it('stores spliced items beside object documents, and dead-letters a refused one with its text', async () => {
    const [plain] = logEvents(names, 1, 30_000);
    const spliced = (n: number, offset: string): SplicedItem =>
      splicedItem(
        `evt-${n}`,
        names.daily('logs', day),
        Buffer.from(`{"@timestamp":"${new Date(day + n).toISOString()}","message":"GET /café/${n} 200"`),
        `,"log":{"file":{"path":"/var/log/app.log"},"offset":${offset}},"cloud":{"instance":{"id":"i-0abc"}},"kiln":{"kind":"log"}}`,
      );
    const report = await writer.write([plain!, spliced(30_001, '20'), spliced(30_002, '"not-a-number"')]);
    expect(report.stored).toEqual(['evt-30000', 'evt-30001']);
    expect(report.deadLettered.map((d) => d.id)).toEqual(['evt-30002']);

    const stored = await client.get<Record<string, any>>({
      index: names.daily('logs', day),
      id: 'evt-30001',
    });
    expect(stored._source).toEqual({
      '@timestamp': new Date(day + 30_001).toISOString(),
      message: 'GET /café/30001 200',
      log: { file: { path: '/var/log/app.log' }, offset: 20 },
      cloud: { instance: { id: 'i-0abc' } },
      kiln: { kind: 'log' },
    });
    const letter = await client.get<Record<string, any>>({
      index: names.daily('deadletter', Date.now()),
      id: 'evt-30002',
    });
    expect(letter._source!.event.original).toBe(sourceOf(spliced(30_002, '"not-a-number"')));
    expect(letter._source!.cloud.instance.id).toBe('i-0abc');
    expect(letter._source!.kiln.kind).toBe('log');
  });
});

describe('BulkWriter when Elasticsearch stops mid-write', () => {
  const name = `vitest-stop-${process.pid}`;
  let client: Client;
  let port: number;
  const names = uniqueNames('stop');

  beforeAll(async () => {
    port = await freePort();
    const state = await startLocalEs({ name, port, fresh: true, heap: '384m' });
    client = createEsClient({ url: state.url, requestTimeoutMs: 5000 });
    await setupStorage(client, names);
  });
  afterAll(async () => {
    await client?.close();
    await stopLocalEs(name);
  });

  it('reports as durable only what is stored, and stores the rest once the cluster is back', async () => {
    const writer = new BulkWriter(client, names, {
      maxAttempts: 2,
      backoff: { baseMs: 50, maxMs: 200 },
      maxBulkBytes: 64 * 1024,
    });
    const events = logEvents(names, 30_000);
    const writing = writer.write(events);
    await new Promise((r) => setTimeout(r, 300));
    await stopLocalEs(name);
    const report = await writing;

    const durable = [...report.stored, ...report.duplicates];
    expect(report.deadLettered).toEqual([]);
    expect(durable.length + report.failed.length).toBe(30_000);
    expect(report.failed.length).toBeGreaterThan(0);
    expect(report.failed[0]!.reason).toMatch(/Elasticsearch unavailable/);

    await startLocalEs({ name, port });
    await client.indices.refresh({ index: names.pattern('logs') });
    const found = await client.mget({ index: names.daily('logs', day), ids: durable, _source: false });
    expect(found.docs.filter((d) => 'found' in d && d.found)).toHaveLength(durable.length);

    const failedIds = new Set(report.failed.map((f) => f.id));
    const retry = await writer.write(events.filter((e) => failedIds.has(e.id)));
    expect(retry.failed).toEqual([]);
    expect(retry.stored.length + retry.duplicates.length).toBe(failedIds.size);
    expect(await countDocs(client, names.pattern('logs'))).toBe(30_000);
  });
});
