/** The batch decoder: NDJSON lines, nesting bound, dotted keys, per-event size, line numbers. */
import { describe, expect, it } from 'vitest';
import { type DecodeError, decodeBatch } from '../../../collector/ingest/decode.ts';

const limits = { maxEvents: 100, maxEventBytes: 4096, maxDepth: 8 };
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
  it('decodes NDJSON into events, skipping blank lines, with each line size', () => {
    const events = decodeBatch(ndjson(event('a'), '', '  ', event('b')), limits);
    expect(events.map((e) => e.event.event.id)).toEqual(['a', 'b']);
    expect(events[0]!.bytes).toBe(JSON.stringify(event('a')).length);
    expect(events.every((e) => e.refusal === undefined)).toBe(true);
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
    const error = failure(() => decodeBatch(body, limits));
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });

  it('answers 400, not a crash, for nesting deeper than the limit (100 000 levels)', () => {
    const deep = `{"@timestamp":"2026-11-22T10:00:00Z","event":{"id":"d"},"kiln":{"kind":"log"},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const error = failure(() => decodeBatch(Buffer.from(`${JSON.stringify(event('a'))}\n${deep}`), limits));
    expect(error.status).toBe(400);
    expect(error.message).toBe('line 2: nested deeper than 8 levels');
    // Exactly at the limit is fine: the event object, then 7 levels below it.
    const atLimit = { ...event('ok'), x: [[[[[[[1]]]]]]] };
    expect(decodeBatch(ndjson(atLimit), limits)).toHaveLength(1);
  });

  it('answers 413 when a batch holds too many events', () => {
    const many = ndjson(...Array.from({ length: 101 }, (_, i) => event(`e${i}`)));
    const error = failure(() => decodeBatch(many, limits));
    expect(error.status).toBe(413);
    expect(error.message).toBe('the batch has more than 100 events; send smaller batches');
  });

  it('keeps an event over maxEventBytes with its reason and the start of its line, for the dead letter', () => {
    const big = { ...event('big'), message: 'x'.repeat(10_000) };
    const [small, large] = decodeBatch(ndjson(event('a'), big), limits);
    expect(small!.refusal).toBeUndefined();
    const size = JSON.stringify(big).length;
    expect(large!.event.event.id).toBe('big');
    expect(large!.refusal).toBe(`the event is ${size} bytes, more than the collector's maxEventBytes (4096)`);
    expect(large!.head).toBe(JSON.stringify(big));
  });

  it('expands dotted keys, so "cloud.instance.id" is the same field as cloud.instance.id', () => {
    const [decoded] = decodeBatch(
      ndjson({
        '@timestamp': '2026-11-22T10:00:00Z',
        'event.id': 'dot',
        'kiln.kind': 'drift',
        'cloud.instance.id': 'i-victim',
      }),
      limits,
    );
    expect(decoded!.event).toEqual({
      '@timestamp': '2026-11-22T10:00:00Z',
      event: { id: 'dot' },
      kiln: { kind: 'drift' },
      cloud: { instance: { id: 'i-victim' } },
    });
  });

  it('refuses (to the dead letter) an event whose dotted keys conflict with its other keys', () => {
    const [decoded] = decodeBatch(ndjson({ ...event('c'), host: 'web', 'host.name': 'db' }), limits);
    expect(decoded!.refusal).toBe(
      'the event\'s field names conflict: "host.name" conflicts with the value at "host"',
    );
  });
});
