import { describe, expect, it } from 'vitest';
import { storedIdOf, storedIdOfEvent } from '../../../collector/ingest/stored-id.ts';
import { deriveEventId, type WireEvent } from '../../../lib/wire.ts';

function logEvent(instanceId: string, fingerprint: string, offset: number, id?: string): WireEvent {
  return {
    '@timestamp': '2026-12-01T23:59:59.000Z',
    message: 'GET / 200',
    log: { file: { path: '/var/log/app.log' }, offset },
    event: { id: id ?? deriveEventId(instanceId, fingerprint, offset) },
    kiln: { kind: 'log', log: { fingerprint } },
  };
}

describe('storedIdOfEvent', () => {
  it('gives a file line a per-file prefix and its zero-padded offset', () => {
    const a = storedIdOfEvent('i-1', logEvent('i-1', 'fp-a', 120));
    const b = storedIdOfEvent('i-1', logEvent('i-1', 'fp-a', 4096));
    expect(a).toHaveLength(32);
    expect(a.slice(0, 16)).toBe(b.slice(0, 16));
    expect(a.slice(16)).toBe('0000000000000120');
    expect(b.slice(16)).toBe('0000000000004096');
    expect(a < b).toBe(true);
    expect(a).toMatch(/^[A-Za-z0-9_-]{16}[0-9]{16}$/);
  });

  it('is the same for the same line whatever the read time, and differs per file and per instance', () => {
    const line = logEvent('i-1', 'fp-a', 120);
    const reread = { ...line, '@timestamp': '2026-12-02T00:00:03.000Z' };
    expect(storedIdOfEvent('i-1', reread)).toBe(storedIdOfEvent('i-1', line));
    expect(storedIdOfEvent('i-1', logEvent('i-1', 'fp-b', 120)).slice(0, 16)).not.toBe(
      storedIdOfEvent('i-1', line).slice(0, 16),
    );
    expect(storedIdOfEvent('i-2', logEvent('i-2', 'fp-a', 120))).not.toBe(storedIdOfEvent('i-1', line));
  });

  it('keeps the hashed id when the event id is not the deterministic id of that position', () => {
    // Another instance's id, a made-up id, or a journal entry: never the cheap form.
    const claimed = logEvent('i-1', 'fp-a', 120, deriveEventId('i-victim', 'fp-a', 120));
    expect(storedIdOfEvent('i-1', claimed)).toBe(storedIdOf('i-1', claimed.event.id));
    const madeUp = logEvent('i-1', 'fp-a', 120, 'claim');
    expect(storedIdOfEvent('i-1', madeUp)).toBe(storedIdOf('i-1', 'claim'));
    const noOffset = { ...logEvent('i-1', 'fp-a', 120), log: { file: { path: '/x' } } };
    expect(storedIdOfEvent('i-1', noOffset)).toBe(storedIdOf('i-1', noOffset.event.id));
    const negative = logEvent('i-1', 'fp-a', -1);
    expect(storedIdOfEvent('i-1', negative)).toBe(storedIdOf('i-1', negative.event.id));
    const facts: WireEvent = { '@timestamp': 'x', event: { id: 'f1' }, kiln: { kind: 'facts' } };
    expect(storedIdOfEvent('i-1', facts)).toBe(storedIdOf('i-1', 'f1'));
    expect(storedIdOf('i-1', 'f1')).toHaveLength(22);
  });
});
