import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyStatus, parseRetryAfterMs } from '../../lib/retry.ts';

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const top = () => 0.999999;
    expect(backoffDelayMs(0, { baseMs: 100, maxMs: 1000 }, top)).toBe(99);
    expect(backoffDelayMs(2, { baseMs: 100, maxMs: 1000 }, top)).toBe(399);
    expect(backoffDelayMs(10, { baseMs: 100, maxMs: 1000 }, top)).toBe(999);
    expect(backoffDelayMs(10, { baseMs: 100, maxMs: 1000 }, () => 0)).toBe(0);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  it.each([
    ['5', 5000],
    [' 0 ', 0],
    ['Sun, 22 Nov 2026 12:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 11:00:00 GMT', 0],
  ])('%j → %d ms', (header, ms) => {
    expect(parseRetryAfterMs(header, now)).toBe(ms);
  });
  it('is undefined when absent or unreadable', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('classifyStatus', () => {
  it.each([
    [429, 'throttled'],
    [503, 'throttled'],
    [500, 'retryable'],
    [502, 'retryable'],
    [408, 'retryable'],
    [400, 'permanent'],
    [401, 'permanent'],
    [413, 'permanent'],
  ] as const)('%d is %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});
