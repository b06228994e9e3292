import { describe, expect, it } from 'vitest';
import { batchReady, batchSize, msUntilDue, type QueuedEvent } from '../../../agent/shipper/batcher.ts';

const limits = { maxEvents: 3, maxBytes: 100, flushIntervalMs: 1000 };
function queue(sizes: number[], enqueuedAtMs = 0): QueuedEvent[] {
  return sizes.map((bytes, i) => ({
    id: `e${i}`,
    line: 'x'.repeat(bytes),
    bytes,
    enqueuedAtMs,
    onDurable: () => {},
  }));
}

describe('batchReady', () => {
  const cases: Array<[string, QueuedEvent[], number, boolean, boolean]> = [
    ['empty queue', [], 5000, true, false],
    ['young and small', queue([10]), 999, false, false],
    ['oldest waited the interval', queue([10]), 1000, false, true],
    ['full by count', queue([1, 1, 1]), 0, false, true],
    ['full by bytes', queue([60, 50]), 0, false, true],
    ['draining sends at once', queue([1]), 0, true, true],
  ];
  for (const [name, q, now, draining, expected] of cases) {
    it(name, () => {
      const bytes = q.reduce((sum, e) => sum + e.bytes, 0);
      expect(batchReady(q, bytes, limits, now, draining)).toBe(expected);
    });
  }
});

describe('batchSize', () => {
  const cases: Array<[string, number[], number]> = [
    ['stops at maxEvents', [1, 1, 1, 1, 1], 3],
    ['stops before maxBytes (each line counts its newline)', [40, 40, 40], 2],
    ['a single event over maxBytes still goes alone', [500, 1], 1],
    ['takes what there is', [5], 1],
  ];
  for (const [name, sizes, expected] of cases) {
    it(name, () => expect(batchSize(queue(sizes), limits)).toBe(expected));
  }
});

describe('msUntilDue', () => {
  it('counts down from the oldest event', () => {
    expect(msUntilDue([], limits, 0)).toBeUndefined();
    expect(msUntilDue(queue([1], 100), limits, 600)).toBe(500);
    expect(msUntilDue(queue([1], 100), limits, 5000)).toBe(0);
  });
});
