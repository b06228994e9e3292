import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../../agent/sources/file/offset-tracker.ts';

describe('OffsetTracker', () => {
  const cases: Array<{ name: string; acks: number[]; committed: number; pending: number }> = [
    { name: 'nothing acknowledged stays at the start', acks: [], committed: 100, pending: 3 },
    { name: 'the first event moves it to its end', acks: [0], committed: 110, pending: 2 },
    { name: 'a later event alone does not move it (hole before)', acks: [2], committed: 100, pending: 3 },
    {
      name: 'filling the hole moves it over every contiguous event',
      acks: [2, 1, 0],
      committed: 130,
      pending: 0,
    },
    { name: 'out of order stops at the first unacknowledged', acks: [1, 0], committed: 120, pending: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const tracker = new OffsetTracker(100);
      const tickets = [110, 120, 130].map((end) => tracker.track(end));
      for (const i of c.acks) tracker.ack(tickets[i]!);
      expect(tracker.committed).toBe(c.committed);
      expect(tracker.pending).toBe(c.pending);
    });
  }

  it('reports whether an acknowledgement moved the checkpoint', () => {
    const tracker = new OffsetTracker(0);
    const [a, b] = [tracker.track(5), tracker.track(9)];
    expect(tracker.ack(b!)).toBe(false);
    expect(tracker.ack(a!)).toBe(true);
    expect(tracker.committed).toBe(9);
  });

  it('stays correct across its internal compaction', () => {
    const tracker = new OffsetTracker(0);
    const tickets = Array.from({ length: 5000 }, (_, i) => tracker.track(i + 1));
    for (const t of tickets.slice(0, 4000)) tracker.ack(t);
    expect(tracker.committed).toBe(4000);
    expect(tracker.pending).toBe(1000);
    tracker.ack(tickets[4999]!);
    expect(tracker.committed).toBe(4000);
    for (const t of tickets.slice(4000)) tracker.ack(t);
    expect(tracker.committed).toBe(5000);
  });
});
