import { describe, expect, it } from 'vitest';
import { dashedId, parseCursor } from '../../../../agent/sources/journald/cursor.ts';
import { buildJournalEvent } from '../../../../agent/sources/journald/event-builder.ts';
import { deriveEventId } from '../../../../lib/wire.ts';

const identity = { instanceId: 'i-1', hostname: 'web-1', bootId: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' };
const cursor = 's=5eq;i=1f;b=0123456789abcdef0123456789abcdef;m=3e8;t=60a24181e4000;x=1';

function entry(fields: Record<string, string | string[]>, truncated: string[] = []) {
  return { fields: new Map(Object.entries(fields)), bytes: 100, truncated };
}

describe('journal entry → ECS event', () => {
  it('maps the journal fields like Filebeat and keeps unknown ones under journald.custom', () => {
    const event = buildJournalEvent(
      entry({
        __CURSOR: cursor,
        __REALTIME_TIMESTAMP: '1700000000123456',
        __MONOTONIC_TIMESTAMP: '1000',
        _BOOT_ID: '0123456789abcdef0123456789abcdef',
        _MACHINE_ID: 'ffffffffffffffffffffffffffffffff',
        _HOSTNAME: 'ip-10-0-0-1',
        MESSAGE: 'Out of memory: Killed process 1234 (java)',
        PRIORITY: '3',
        SYSLOG_FACILITY: '0',
        SYSLOG_IDENTIFIER: 'kernel',
        _TRANSPORT: 'kernel',
        _PID: '1234',
        _CMDLINE: '/usr/bin/java -jar app.jar',
        _COMM: 'java',
        _SYSTEMD_UNIT: 'app.service',
        UNIT: 'app.service',
        _UID: '1000',
        MY_FIELD: 'custom',
        _ODD_TRUSTED: ['a', 'b'],
      }),
      { identity, journal: 'system', readAtMs: 0 },
    )!;
    expect(event).toEqual({
      '@timestamp': '2023-11-14T22:13:20.123Z',
      message: 'Out of memory: Killed process 1234 (java)',
      log: {
        level: 'err',
        syslog: {
          priority: 3,
          facility: { code: 0 },
          appname: 'kernel',
          severity: { code: 3, name: 'err' },
        },
      },
      process: { pid: 1234, command_line: '/usr/bin/java -jar app.jar', name: 'java', user: { id: '1000' } },
      systemd: { unit: 'app.service', transport: 'kernel' },
      host: {
        hostname: 'ip-10-0-0-1',
        name: 'web-1',
        boot: { id: '01234567-89ab-cdef-0123-456789abcdef' },
      },
      journald: {
        machine_id: 'ffffffffffffffffffffffffffffffff',
        unit: 'app.service',
        cursor,
        seqnum: 31,
        seqnum_id: '5eq',
        monotonic_us: 1000,
        custom: { my_field: 'custom', odd_trusted: ['a', 'b'] },
      },
      agent: { type: 'kiln-agent', version: expect.any(String), id: 'i-1' },
      event: {
        id: deriveEventId('i-1', 'journald:0123456789abcdef0123456789abcdef:5eq', 31),
        dataset: 'journald',
        sequence: 31,
      },
      kiln: { kind: 'log', log: { journal: 'system' } },
    });
  });

  it('gives the same entry the same id on every read, and flags a cut message', () => {
    const a = buildJournalEvent(entry({ __CURSOR: cursor, MESSAGE: 'x' }, ['MESSAGE']), {
      identity,
      journal: 'j',
      readAtMs: 5,
    })!;
    const b = buildJournalEvent(entry({ __CURSOR: cursor, MESSAGE: 'x' }), {
      identity,
      journal: 'j',
      readAtMs: 9,
    })!;
    expect(a.event.id).toBe(b.event.id);
    expect(a.kiln.log).toEqual({ journal: 'j', truncated: true });
    expect((a.journald as Record<string, unknown>).truncated_fields).toEqual(['MESSAGE']);
    expect(a.host).toEqual({ name: 'web-1', boot: { id: '01234567-89ab-cdef-0123-456789abcdef' } });
  });

  it('skips an entry without a cursor', () => {
    expect(
      buildJournalEvent(entry({ MESSAGE: 'x' }), { identity, journal: 'j', readAtMs: 0 }),
    ).toBeUndefined();
  });

  it('parses cursors and dashes ids', () => {
    expect(parseCursor(cursor)).toEqual({
      seqnumId: '5eq',
      seqnum: 31,
      bootId: '0123456789abcdef0123456789abcdef',
      monotonicUs: 1000,
      realtimeUs: 0x60a24181e4000,
    });
    expect(parseCursor('b=1')).toBeUndefined();
    expect(dashedId('not-hex')).toBe('not-hex');
  });
});
