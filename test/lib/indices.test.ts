import { describe, expect, it } from 'vitest';
import { indexNames, parseDailyIndex } from '../../lib/indices.ts';

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
