import { describe, expect, it } from 'vitest';
import { buildLogEvent, LogEventEncoder } from '../../../../agent/sources/file/event-builder.ts';
import { deriveEventId } from '../../../../lib/wire.ts';
import { identity } from './support.ts';

const readAt = Date.UTC(2026, 10, 22, 12);
const file = { path: '/var/log/app.json', fingerprint: 'fp1' };
const record = (text: string, extra = {}) => ({
  offset: 42,
  end: 42 + text.length + 1,
  text,
  truncated: false,
  invalidUtf8: false,
  originalBytes: text.length,
  lines: 1,
  ...extra,
});

describe('buildLogEvent', () => {
  it('builds the ECS document with the deterministic id', () => {
    expect(
      buildLogEvent(record('hello'), file, identity, { json: false, timestamp: undefined }, readAt),
    ).toEqual({
      '@timestamp': '2026-11-22T12:00:00.000Z',
      message: 'hello',
      log: { file: { path: '/var/log/app.json' }, offset: 42 },
      host: { name: 'test-host', boot: { id: 'boot-1' } },
      agent: { id: 'i-test' },
      event: { id: deriveEventId('i-test', 'fp1', 42) },
      kiln: { kind: 'log', log: { fingerprint: 'fp1' } },
    });
  });

  it('parses JSON lines into kiln.log.json and takes the time from a JSON field', () => {
    const event = buildLogEvent(
      record('{"level":"warn","time":"2026-01-01T00:00:00Z"}'),
      file,
      identity,
      { json: true, timestamp: { jsonField: 'time' } },
      readAt,
    );
    expect(event['@timestamp']).toBe('2026-01-01T00:00:00.000Z');
    expect(event.kiln.log).toEqual({
      fingerprint: 'fp1',
      json: { level: 'warn', time: '2026-01-01T00:00:00Z' },
    });
  });

  it('flags multiline, truncation and invalid UTF-8', () => {
    const event = buildLogEvent(
      record('a\nb', { lines: 2, truncated: true, originalBytes: 9000, invalidUtf8: true }),
      file,
      identity,
      { json: false, timestamp: undefined },
      readAt,
    );
    expect(event.kiln.log).toEqual({
      fingerprint: 'fp1',
      multiline: true,
      lines: 2,
      truncated: true,
      original_bytes: 9000,
      invalid_utf8: true,
    });
  });
});

describe('LogEventEncoder', () => {
  const readAtIso = new Date(readAt).toISOString();
  const shapes = [
    { json: false, timestamp: undefined },
    { json: true, timestamp: { jsonField: 'time' } },
    { json: false, timestamp: { pattern: /^(\S+)/ } },
  ];
  const records = [
    record('hello'),
    record('quote " backslash \\ tab \t and ünïcode ✓'),
    record('{"time":"2026-01-02T03:04:05Z","level":"warn","n":1}'),
    record('2026-05-06T07:08:09Z first\n  at second', { lines: 2 }),
    record('cut', { truncated: true, originalBytes: 5_000_000 }),
    record('bad \ufffd byte', { invalidUtf8: true }),
  ];
  it('writes exactly the document buildLogEvent describes, as one JSON line with its id', () => {
    for (const shape of shapes) {
      const encoder = new LogEventEncoder(identity, shape);
      for (const r of records) {
        const encoded = encoder.encode(r, file, readAtIso);
        expect(encoded.json).not.toContain('\n');
        expect(JSON.parse(encoded.json)).toEqual(buildLogEvent(r, file, identity, shape, readAt));
        expect(encoded.id).toBe(deriveEventId('i-test', 'fp1', 42));
      }
    }
  });

  it('follows a change of path or fingerprint (a renamed file, a copy read through the original)', () => {
    const encoder = new LogEventEncoder(identity, shapes[0]!);
    encoder.encode(record('a'), file, readAtIso);
    const moved = { path: '/var/log/app.json.1', fingerprint: 'fp2' };
    expect(JSON.parse(encoder.encode(record('a'), moved, readAtIso).json)).toEqual(
      buildLogEvent(record('a'), moved, identity, shapes[0]!, readAt),
    );
  });
});
