/** The agent keeps each event under the collector's per-event cap by cutting the message. */
import { describe, expect, it } from 'vitest';
import { fitEventLine } from '../../../agent/shipper/event-size.ts';
import type { WireEvent } from '../../../lib/wire.ts';

const event = (message: string): WireEvent => ({
  '@timestamp': '2026-11-22T10:00:00Z',
  event: { id: 'e' },
  kiln: { kind: 'log', log: { fingerprint: 'f' } },
  message,
});

describe('fitEventLine', () => {
  it('leaves an event under the cap as it is', () => {
    const e = event('short');
    expect(fitEventLine(e, JSON.stringify(e), 4096)).toBe(JSON.stringify(e));
  });

  it.each([
    ['plain text', 'x'.repeat(20_000)],
    ['text that escapes to 6 bytes a byte', '\u0001'.repeat(20_000)],
    ['multi-byte characters', 'é'.repeat(20_000)],
  ])('cuts %s to fit and marks it truncated with its original size', (_label, message) => {
    const e = event(message);
    const line = fitEventLine(e, JSON.stringify(e), 8192);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8192);
    const parsed = JSON.parse(line) as WireEvent & {
      message: string;
      kiln: { log: Record<string, unknown> };
    };
    expect(parsed.kiln.log).toEqual({
      fingerprint: 'f',
      truncated: true,
      original_bytes: Buffer.byteLength(message),
    });
    expect(message.startsWith(parsed.message)).toBe(true);
    expect(parsed.message.length).toBeGreaterThan(1000);
  });
});
