/** The read budget with a fake clock: reads beyond the rate wait exactly as long as the rate says. */
import { describe, expect, it } from 'vitest';
import { createReadThrottle } from '../../../agent/drift/throttle.ts';

describe('createReadThrottle', () => {
  it.each([
    ['within the burst', [500_000], []],
    ['one second over', [1_000_000, 1_000_000], [1000]],
    ['a 3 MB read at 1 MB/s', [3_000_000], [2000]],
  ])('%s', async (_label, reads, expectedSleeps) => {
    let clock = 0;
    const sleeps: number[] = [];
    const throttle = createReadThrottle({
      bytesPerSecond: 1_000_000,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    for (const bytes of reads) await throttle.take(bytes);
    expect(sleeps).toEqual(expectedSleeps);
  });
});
