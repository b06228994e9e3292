/**
 * POST /v1/batches as the agent sends it, against the real collector and Elasticsearch: its own
 * canonical lines stored from their bytes with the token's identity, the compact answer, zstd.
 */
import { zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LogEventEncoder } from '../../../agent/sources/file/event-builder.ts';
import { storedIdOfEvent } from '../../../collector/ingest/stored-id.ts';
import type { WireEvent } from '../../../lib/wire.ts';
import { countDocs } from '../../support/es.ts';
import { collectorUnderTest } from './collector-harness.ts';

const api = collectorUnderTest('batches');
const { client, names, day, logEvent, enroll, send } = api;

describe('POST /v1/batches from the agent', () => {
  it("stores the agent's own lines from their bytes with the token's identity, and answers compactly when asked", async () => {
    const token = await enroll('i-canon', 'ami-canon');
    const encoder = new LogEventEncoder(
      { instanceId: 'i-canon', hostname: 'claimed-host', bootId: 'boot-9' },
      { timestamp: undefined, json: false },
    );
    const readAt = `${day}T11:00:00.000Z`;
    const texts = ['GET / 200', 'say "hi" \\ café ✓', ''];
    let offset = 0;
    const lines = texts.map((text) => {
      const record = {
        text,
        offset,
        end: 0,
        lines: 1,
        truncated: false,
        invalidUtf8: false,
        originalBytes: 0,
      };
      offset += Buffer.byteLength(text) + 1;
      return JSON.parse(
        encoder.encode(record, { path: '/var/log/app.log', fingerprint: 'fp-canon' }, readAt).json,
      );
    });
    const forged = logEvent('forged', { cloud: { instance: { id: 'i-victim' } } });
    const compact = { 'kiln-ack': 'compact' };
    const first = await send(token, [...lines, forged], true, compact);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      events: 4,
      storedCount: 4,
      duplicateCount: 0,
      deadLettered: [],
      failed: [],
    });
    const again = await send(token, [...lines, forged], true, compact);
    expect(await again.json()).toEqual({
      events: 4,
      storedCount: 0,
      duplicateCount: 4,
      deadLettered: [],
      failed: [],
    });

    await client.indices.refresh({ index: names.pattern('logs') });
    const found = await client.search<Record<string, any>>({
      index: names.pattern('logs'),
      query: { term: { 'cloud.instance.id': 'i-canon' } },
      sort: [{ 'log.offset': 'asc' }],
      size: 10,
    });
    expect(found.hits.hits).toHaveLength(4);
    // Lean log lines: no agent ids in the document, which the _id is made of.
    const stored = found.hits.hits.filter((h) => texts.includes(h._source!.message));
    expect(stored.map((h) => h._id)).toEqual(
      lines.map((line) => storedIdOfEvent('i-canon', line as WireEvent)),
    );
    expect(stored.map((h) => h._source)).toEqual(
      lines.map((line) => ({
        '@timestamp': readAt,
        message: line.message,
        log: line.log,
        event: { ingested: expect.any(String) },
        cloud: { instance: { id: 'i-canon' }, image: { id: 'ami-canon' } },
        host: { boot: { id: 'boot-9' }, name: 'i-canon.internal' },
        kiln: { kind: 'log' },
      })),
    );
    expect(stored.map((h) => h._source!.message)).toEqual(texts);
  });

  it('reads a zstd batch as it reads a gzip one', async () => {
    const token = await enroll('i-zstd');
    const body = zstdCompressSync(
      Buffer.from([logEvent('z1'), logEvent('z2')].map((e) => JSON.stringify(e)).join('\n')),
    );
    const res = await fetch(`${api.url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-encoding': 'zstd', 'kiln-ack': 'compact' },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      events: 2,
      storedCount: 2,
      duplicateCount: 0,
      deadLettered: [],
      failed: [],
    });
    expect(await countDocs(client, names.pattern('logs'), { term: { 'cloud.instance.id': 'i-zstd' } })).toBe(
      2,
    );
  });
});
