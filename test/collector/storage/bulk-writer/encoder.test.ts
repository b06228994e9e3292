import { describe, expect, it } from 'vitest';
import {
  BodyPool,
  chunkBySize,
  documentOf,
  encodeBulkCreate,
  encodeBulkItem,
  encodedBytes,
} from '../../../../collector/storage/bulk-writer/encoder.ts';
import { classifyBulkItems } from '../../../../collector/storage/bulk-writer/response.ts';
import { splicedItem } from '../../../support/spliced-item.ts';

describe('encodeBulkCreate', () => {
  it('writes one create action with the deterministic id per document, newline-terminated', () => {
    const body = encodeBulkCreate([
      { id: 'a1', index: 'kiln-logs-2026.11.22', doc: { message: 'one' } },
      { id: 'b2', index: 'kiln-logs-2026.11.22', doc: { message: 'two\nlines' } },
    ]);
    expect(body.toString('utf8')).toBe(
      '{"create":{"_index":"kiln-logs-2026.11.22","_id":"a1"}}\n{"message":"one"}\n' +
        '{"create":{"_index":"kiln-logs-2026.11.22","_id":"b2"}}\n{"message":"two\\nlines"}\n',
    );
  });
});

describe('encodeBulkCreate with spliced items', () => {
  const spliced = splicedItem(
    'c3',
    'kiln-logs-2026.11.22',
    Buffer.from('{"@timestamp":"2026-11-22T10:00:00.000Z","message":"café ✓"'),
    ',"host":{"name":"wéb-1"}}',
  );

  it('writes the head bytes as they are and the tail after them, beside object documents', () => {
    const body = encodeBulkCreate([
      { id: 'a1', index: 'kiln-logs-2026.11.22', doc: { message: 'one' } },
      spliced,
    ]);
    expect(body.toString('utf8')).toBe(
      '{"create":{"_index":"kiln-logs-2026.11.22","_id":"a1"}}\n{"message":"one"}\n' +
        '{"create":{"_index":"kiln-logs-2026.11.22","_id":"c3"}}\n' +
        '{"@timestamp":"2026-11-22T10:00:00.000Z","message":"café ✓","host":{"name":"wéb-1"}}\n',
    );
    expect(encodedBytes(spliced)).toBe(Buffer.byteLength(encodeBulkItem(spliced)));
    expect(body.length).toBe(
      encodedBytes(spliced) +
        Buffer.byteLength(
          encodeBulkItem({ id: 'a1', index: 'kiln-logs-2026.11.22', doc: { message: 'one' } }),
        ),
    );
  });

  it('gives the document of a spliced item as an object (for its dead letter)', () => {
    expect(documentOf(spliced)).toEqual({
      '@timestamp': '2026-11-22T10:00:00.000Z',
      message: 'café ✓',
      host: { name: 'wéb-1' },
    });
  });
});

describe('chunkBySize', () => {
  it('keeps chunks under the limit and never splits an item', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({
      id: `${i}`,
      index: 'i',
      doc: { m: 'x'.repeat(100) },
    }));
    const chunks = chunkBySize(items, 400);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 2, 2]);
    expect(chunkBySize([{ id: 'big', index: 'i', doc: { m: 'x'.repeat(1000) } }], 10)).toHaveLength(1);
  });
});

describe('classifyBulkItems', () => {
  it('reads each item: 201 stored, 409 duplicate, 429/5xx retryable, other 4xx rejected', () => {
    const outcomes = classifyBulkItems([
      { create: { status: 201 } },
      { create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } } },
      { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
      {
        create: {
          status: 503,
          error: { type: 'unavailable_shards_exception', reason: 'primary not active' },
        },
      },
      {
        create: {
          status: 400,
          error: {
            type: 'document_parsing_exception',
            reason: '[1:20] failed to parse field [log.offset] of type [long]',
            caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "abc"' },
          },
        },
      },
    ]);
    expect(outcomes).toEqual([
      { kind: 'stored' },
      { kind: 'duplicate' },
      { kind: 'retryable', reason: 'es_rejected_execution_exception: queue full' },
      { kind: 'retryable', reason: 'unavailable_shards_exception: primary not active' },
      {
        kind: 'rejected',
        status: 400,
        errorType: 'document_parsing_exception',
        reason:
          'document_parsing_exception: [1:20] failed to parse field [log.offset] of type [long] (For input string: "abc")',
      },
    ]);
  });
});

describe('BodyPool', () => {
  const items = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `id-${i}`,
      index: 'kiln-logs-2026.12.04',
      doc: { message: `line ${i}` },
    }));

  it('writes the next body into a buffer given back, and never into one still out', () => {
    const pool = new BodyPool(2);
    const first = encodeBulkCreate(items(100), pool);
    const second = encodeBulkCreate(items(100), pool);
    expect(second.buffer).not.toBe(first.buffer);
    expect(first.toString()).toBe(encodeBulkCreate(items(100)).toString());
    pool.give(first);
    const third = encodeBulkCreate(items(50), pool);
    expect(third.buffer).toBe(first.buffer);
    expect(third.toString()).toBe(encodeBulkCreate(items(50)).toString());
    expect(second.toString()).toBe(encodeBulkCreate(items(100)).toString());
  });

  it('keeps no buffer it did not hand out, none past its count and none past its size', () => {
    const pool = new BodyPool(1, 4096);
    pool.give(Buffer.from('{"create":{}}\n{}\n'));
    const large = encodeBulkCreate(items(200), pool);
    expect(large.length).toBeGreaterThan(4096);
    pool.give(large);
    expect(encodeBulkCreate(items(200), pool).buffer).not.toBe(large.buffer);
    const [a, b] = [pool.take(100), pool.take(100)];
    pool.give(a);
    pool.give(b);
    expect(pool.take(100).buffer).toBe(a.buffer);
    expect(pool.take(100).buffer).not.toBe(b.buffer);
  });
});
