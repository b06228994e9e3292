import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from '../../lib/duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1d12h', 129_600_000],
    ['1.5h', 5_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '7', 'd', '7 days', '7d garbage', '-3s'])('rejects %j with the accepted forms', (text) => {
    expect(() => parseDurationMs(text)).toThrow(/expected a number with a unit \(ms, s, m, h, d, w\)/);
  });
});

describe('formatDurationMs', () => {
  it.each([
    [450, '450ms'],
    [45_000, '45s'],
    [3_723_000, '1h2m'],
    [277_200_000, '3d5h'],
    [-60_000, '-1m'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});
