import { describe, expect, it } from 'vitest';
import { buildCompletenessEvent, buildStartEvent } from '../../../agent/runtime/lifecycle-events.ts';
import { kilnVersion } from '../../../lib/version.ts';
import { deriveEventId } from '../../../lib/wire.ts';

const identity = { instanceId: 'i-1', hostname: 'web-1', bootId: 'boot-9' };
const now = Date.UTC(2026, 10, 22, 12);

describe('lifecycle events', () => {
  it('builds the start event', () => {
    expect(buildStartEvent(identity, 'run-1', now)).toEqual({
      '@timestamp': '2026-11-22T12:00:00.000Z',
      message: `kiln-agent ${kilnVersion} started`,
      host: { name: 'web-1', boot: { id: 'boot-9' } },
      agent: { type: 'kiln-agent', version: kilnVersion, id: 'i-1' },
      event: {
        id: deriveEventId('i-1', 'lifecycle:boot-9:run-1', 'start'),
        kind: 'event',
        category: ['process'],
        dataset: 'kiln.lifecycle',
      },
      kiln: { kind: 'lifecycle', lifecycle: { phase: 'start' } },
    });
  });

  it('builds one completeness event per file, with a distinct id per file and run', () => {
    const file = { file: '/var/log/a.log', bytesShipped: 10, fileSize: 12, complete: false };
    const event = buildCompletenessEvent(identity, 'run-1', now, 'SIGTERM', file);
    expect(event.message).toBe('shutdown: /var/log/a.log incomplete, 10 of 12 bytes shipped');
    expect(event.kiln).toEqual({
      kind: 'lifecycle',
      lifecycle: { phase: 'shutdown', reason: 'SIGTERM' },
      completeness: { file: '/var/log/a.log', bytes_shipped: 10, file_size: 12, complete: false },
    });
    const other = buildCompletenessEvent(identity, 'run-1', now, 'SIGTERM', {
      ...file,
      file: '/var/log/b.log',
    });
    const nextRun = buildCompletenessEvent(identity, 'run-2', now, 'SIGTERM', file);
    expect(new Set([event.event.id, other.event.id, nextRun.event.id]).size).toBe(3);
  });
});
