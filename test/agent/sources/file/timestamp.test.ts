import { describe, expect, it } from 'vitest';
import { extractTimestamp, parseJsonObject, readPath } from '../../../../agent/sources/file/timestamp.ts';

const readAt = new Date(Date.UTC(2026, 10, 22, 12, 0, 0)).toISOString();

describe('extractTimestamp', () => {
  const cases: Array<[string, string, Parameters<typeof extractTimestamp>[2], string]> = [
    ['read time without a rule', 'hello', undefined, '2026-11-22T12:00:00.000Z'],
    [
      'pattern capture',
      '[2026-11-20T08:01:02.5Z] up',
      { pattern: /^\[([^\]]+)\]/ },
      '2026-11-20T08:01:02.500Z',
    ],
    [
      'pattern with an offset',
      '2026-11-20T10:00:00+02:00 x',
      { pattern: /^(\S+)/ },
      '2026-11-20T08:00:00.000Z',
    ],
    [
      'pattern not matching falls back to read time',
      'no time here',
      { pattern: /^(\d{4}-\S+)/ },
      '2026-11-22T12:00:00.000Z',
    ],
    [
      'unparseable capture falls back to read time',
      'soon x',
      { pattern: /^(\S+)/ },
      '2026-11-22T12:00:00.000Z',
    ],
  ];
  for (const [name, text, rule, expected] of cases) {
    it(name, () => expect(extractTimestamp(text, undefined, rule, readAt)).toBe(expected));
  }

  it('takes a JSON field, nested by dots, and epoch milliseconds', () => {
    const line = '{"t":{"at":"2026-01-02T03:04:05Z"},"ms":1700000000000}';
    const parsed = parseJsonObject(line);
    expect(extractTimestamp(line, parsed, { jsonField: 't.at' }, readAt)).toBe('2026-01-02T03:04:05.000Z');
    expect(extractTimestamp(line, parsed, { jsonField: 'ms' }, readAt)).toBe('2023-11-14T22:13:20.000Z');
    expect(extractTimestamp(line, parsed, { jsonField: 'missing' }, readAt)).toBe('2026-11-22T12:00:00.000Z');
  });
});

describe('parseJsonObject / readPath', () => {
  it('parses objects only', () => {
    expect(parseJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonObject('[1]')).toBeUndefined();
    expect(parseJsonObject('{broken')).toBeUndefined();
    expect(parseJsonObject('plain')).toBeUndefined();
    expect(readPath({ a: { b: 2 } }, 'a.b')).toBe(2);
    expect(readPath({ a: 1 }, 'a.b')).toBeUndefined();
  });
});
