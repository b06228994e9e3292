import { describe, expect, it } from 'vitest';
import { indexNames, parseDailyIndex, utcDay } from '../../lib/indices.ts';

describe('indexNames', () => {
  const names = indexNames('kiln');
  it('names daily indices by UTC day', () => {
    expect(names.daily('logs', Date.UTC(2026, 0, 5, 23, 59))).toBe('kiln-logs-2026.01.05');
    expect(names.state('registry')).toBe('kiln-registry');
    expect(names.pattern('drift')).toBe('kiln-drift-*');
    expect(names.pattern('bakes')).toBe('kiln-bakes');
  });
  it('refuses prefixes that are not valid index names', () => {
    expect(() => indexNames('Kiln')).toThrow(/invalid index prefix "Kiln"/);
    expect(() => indexNames('-x')).toThrow(/invalid index prefix/);
  });
});

describe('parseDailyIndex', () => {
  it('reads the family and day of kiln daily indices only', () => {
    expect(parseDailyIndex('kiln-logs-2026.01.05', 'kiln')).toEqual({
      family: 'logs',
      dayStartMs: Date.UTC(2026, 0, 5),
    });
    expect(parseDailyIndex('kiln-logs-2026.02.30', 'kiln')).toBeUndefined();
    expect(parseDailyIndex('kiln-logs-latest', 'kiln')).toBeUndefined();
    expect(parseDailyIndex('kiln-registry', 'kiln')).toBeUndefined();
    expect(parseDailyIndex('other-logs-2026.01.05', 'kiln')).toBeUndefined();
  });
});

describe('utcDay', () => {
  it('names the UTC day of each instant, whatever day it named before', () => {
    const cases: Array<[string, string]> = [
      ['2026-11-22T23:59:59.999Z', '2026.11.22'],
      ['2026-11-23T00:00:00.000Z', '2026.11.23'],
      ['2026-11-22T00:00:00.000Z', '2026.11.22'],
      ['2026-11-22T12:00:00.000Z', '2026.11.22'],
      ['1969-12-31T23:59:59.999Z', '1969.12.31'],
      ['1970-01-01T00:00:00.000Z', '1970.01.01'],
      ['2026-02-28T10:00:00.000Z', '2026.02.28'],
      ['2026-11-22T23:59:59.999Z', '2026.11.22'],
    ];
    for (const [at, day] of cases) {
      expect(utcDay(Date.parse(at))).toBe(day);
      expect(utcDay(new Date(at))).toBe(day);
    }
  });
});
