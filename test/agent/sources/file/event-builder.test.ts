import { describe, expect, it } from 'vitest';
import { buildLogEvent } from '../../../../agent/sources/file/event-builder.ts';
import { kilnVersion } from '../../../../lib/version.ts';
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
      agent: { type: 'kiln-agent', version: kilnVersion, id: 'i-test' },
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
