import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  classifyStatus,
  outcome,
  parseRetryAfterMs,
  retry,
  unwrapOutcome,
} from '../../lib/retry.ts';

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

describe('retry', () => {
  const fakeClock = () => {
    const waits: number[] = [];
    return { waits, clock: { now: () => 0, sleep: async (ms: number) => void waits.push(ms) } };
  };

  it('runs attempts until one is ok, waiting with backoff or the Retry-After given', async () => {
    const { waits, clock } = fakeClock();
    const results = [outcome.retryable('busy'), outcome.retryable('throttled', 5000), outcome.ok(42)];
    const seen: number[] = [];
    const result = await retry(
      async (n) => {
        seen.push(n);
        return results[n]!;
      },
      { clock, backoff: { baseMs: 100, maxMs: 1000 }, random: () => 0.5 },
    );
    expect(result).toEqual({ kind: 'ok', value: 42 });
    expect(seen).toEqual([0, 1, 2]);
    expect(waits).toEqual([50, 5000]);
  });

  it('stops at a permanent outcome, and after maxAttempts, returning the last outcome', async () => {
    const { waits, clock } = fakeClock();
    expect(await retry(async () => outcome.permanent('400 bad'), { clock })).toEqual({
      kind: 'permanent',
      error: '400 bad',
    });
    expect(waits).toEqual([]);
    let calls = 0;
    const last = await retry(
      async () => {
        calls++;
        return outcome.retryable(`try ${calls}`);
      },
      { clock, maxAttempts: 3, random: () => 0 },
    );
    expect(last).toEqual({ kind: 'retryable', error: 'try 3' });
    expect(calls).toBe(3);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls === 2) controller.abort();
        return outcome.retryable('down');
      },
      { signal: controller.signal, backoff: { baseMs: 10, maxMs: 10 } },
    );
    expect(result.kind).toBe('retryable');
    expect(calls).toBe(2);
  });

  it('unwrapOutcome returns the value or throws the error', () => {
    expect(unwrapOutcome(outcome.ok('v'))).toBe('v');
    expect(() => unwrapOutcome(outcome.permanent(new Error('no')))).toThrow('no');
  });
});
