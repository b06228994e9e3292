import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type DecodeError, decodeBatch } from '../../../collector/ingest/decode.ts';
import { stampIdentity } from '../../../collector/ingest/stamp.ts';

const limits = { maxInflatedBytes: 1024 * 1024, maxEvents: 100 };
const event = (id: string) => ({
  '@timestamp': '2026-11-22T10:00:00Z',
  event: { id },
  kiln: { kind: 'log' },
  message: 'm',
});
const ndjson = (...lines: unknown[]) =>
  Buffer.from(lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));

function failure(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (error) {
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('decodeBatch', () => {
  it('inflates gzip NDJSON into events, skipping blank lines', () => {
    const events = decodeBatch(gzipSync(ndjson(event('a'), '', event('b'))), 'gzip', limits);
    expect(events.map((e) => e.event.id)).toEqual(['a', 'b']);
  });

  it.each([
    [ndjson(event('a'), '{"broken'), 'line 2: not valid JSON'],
    [
      ndjson(event('a'), { ...event('b'), kiln: { kind: 'metrics' } }),
      'line 2: "kiln.kind" must be one of log, facts, drift, lifecycle, heartbeat',
    ],
    [
      ndjson({ ...event('x'), event: { id: '' } }),
      'line 1: "event.id" must be a non-empty string of at most 512 bytes',
    ],
    [
      ndjson({ ...event('x'), '@timestamp': 'yesterday' }),
      'line 1: "@timestamp" must be an ISO-8601 date string',
    ],
    [ndjson('[1,2]'), 'line 1: expected a JSON object'],
    [Buffer.from('\n\n'), 'the batch holds no events'],
  ])('refuses a malformed batch with 400 and the line: %#', (body, message) => {
    const error = failure(() => decodeBatch(body, undefined, limits));
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });

  it('answers 400 for a body that is not gzip', () => {
    const error = failure(() => decodeBatch(Buffer.from('plain text'), 'gzip', limits));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^the body is not valid gzip/);
  });

  it('answers 413 when the batch inflates past the limit or holds too many events', () => {
    const big = gzipSync(Buffer.alloc(2 * 1024 * 1024, 'a'));
    expect(failure(() => decodeBatch(big, 'gzip', limits)).status).toBe(413);
    const many = ndjson(...Array.from({ length: 101 }, (_, i) => event(`e${i}`)));
    const error = failure(() => decodeBatch(many, undefined, limits));
    expect(error.status).toBe(413);
    expect(error.message).toBe('the batch has more than 100 events; send smaller batches');
  });
});

describe('stampIdentity', () => {
  it("overwrites the payload's identity claims with the token's", () => {
    const claimed = {
      ...event('a'),
      cloud: { instance: { id: 'i-someone-else' }, image: { id: 'ami-fake' }, region: 'eu-west-1' },
      host: { name: 'web-1', image: { id: 'ami-fake' } },
      kiln: { kind: 'log' as const, bake: { id: 'bake-fake' } },
    };
    const stamped = stampIdentity(
      claimed as never,
      { instanceId: 'i-real', imageId: 'ami-real', bakeId: 'bake-1' },
      '2026-11-22T10:00:01Z',
    );
    expect(stamped.cloud).toEqual({
      instance: { id: 'i-real' },
      image: { id: 'ami-real' },
      region: 'eu-west-1',
    });
    expect(stamped.host).toEqual({ name: 'web-1', image: { id: 'ami-real' } });
    expect(stamped.kiln).toEqual({ kind: 'log', bake: { id: 'bake-1' } });
    expect(stamped.event).toEqual({ id: 'a', ingested: '2026-11-22T10:00:01Z' });
  });

  it('drops image and bake claims the token does not vouch for', () => {
    const claimed = {
      ...event('a'),
      cloud: { image: { id: 'ami-fake' } },
      kiln: { kind: 'log' as const, bake: { id: 'b' } },
    };
    const stamped = stampIdentity(claimed as never, { instanceId: 'i-1' }, '2026-11-22T10:00:01Z');
    expect(stamped.cloud).toEqual({ instance: { id: 'i-1' } });
    expect(stamped.kiln).toEqual({ kind: 'log' });
  });
});
