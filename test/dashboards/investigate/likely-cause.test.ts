import { describe, expect, it } from 'vitest';
import {
  classifyLine,
  journalMarker,
  latestCauses,
  sourceOf,
  terminationCause,
} from '../../../dashboards/investigate/likely-cause.ts';

const kernel = (message: string, at = '2026-05-01T10:00:00.000Z') => ({
  '@timestamp': at,
  message,
  systemd: { transport: 'kernel' },
  log: { syslog: { priority: 3, appname: 'kernel' } },
});

describe('likely cause', () => {
  it.each([
    ['Out of memory: Killed process 1234 (java) total-vm:4096kB', 'kernel', 'OOM kill'],
    ['java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE)', 'kernel', 'OOM kill'],
    ['Kernel panic - not syncing: Fatal exception', 'kernel', 'kernel panic'],
    ['app[900]: segfault at 0 ip 00007f sp 00007ffd error 4 in libc.so.6', 'kernel', 'segfault'],
  ])('reads the kernel line "%s" as %s / %s', (message, kind, what) => {
    expect(classifyLine(kernel(message))).toEqual({ kind, what });
  });

  it('reads systemd failures and application errors, and leaves ordinary lines alone', () => {
    expect(classifyLine({ message: "app.service: Failed with result 'oom-kill'." })).toEqual({
      kind: 'failed-unit',
      what: 'unit failed (oom-kill)',
    });
    expect(classifyLine({ message: 'app.service: Main process exited, code=killed, status=9/KILL' })).toEqual(
      {
        kind: 'failed-unit',
        what: 'unit failed',
      },
    );
    expect(
      classifyLine({
        message: '2026-05-01 ERROR payment failed',
        log: { file: { path: '/var/log/app.log' } },
      }),
    ).toEqual({
      kind: 'app-error',
      what: 'application error',
    });
    expect(classifyLine({ message: 'disk full', log: { syslog: { priority: 2 } } })).toEqual({
      kind: 'app-error',
      what: 'application error',
    });
    expect(classifyLine({ message: 'GET /items 200' })).toBeUndefined();
    expect(classifyLine(kernel('usb 1-1: new high-speed USB device'))).toBeUndefined();
  });

  it('keeps the latest of each kind', () => {
    const causes = latestCauses([
      kernel('Out of memory: Killed process 1 (a)', '2026-05-01T10:00:00.000Z'),
      kernel('Out of memory: Killed process 2 (b)', '2026-05-01T10:05:00.000Z'),
      { '@timestamp': '2026-05-01T10:06:00.000Z', message: 'FATAL boom', systemd: { unit: 'app.service' } },
    ]);
    expect(causes.map((c) => [c.kind, c.message, c.source])).toEqual([
      ['kernel', 'Out of memory: Killed process 2 (b)', 'journal:kernel'],
      ['app-error', 'FATAL boom', 'journal:app.service'],
    ]);
  });

  it('takes the termination notice from the lifecycle events and finds the journal markers', () => {
    expect(
      terminationCause([
        { '@timestamp': 't1', message: 'x', kiln: { lifecycle: { phase: 'start' } } },
        {
          '@timestamp': '2026-05-01T10:07:00.000Z',
          message: 'spot interruption notice: terminate at 2026-05-01T10:09:00Z',
          kiln: { lifecycle: { phase: 'termination_notice', termination: 'spot' } },
        },
      ]),
    ).toMatchObject({
      kind: 'termination',
      what: 'spot interruption notice',
      at: '2026-05-01T10:07:00.000Z',
    });
    expect(
      journalMarker({ message: 'Linux version 6.1.0-18-cloud-amd64', host: { boot: { id: 'b1' } } }),
    ).toEqual({
      phase: 'boot',
      text: 'journal: boot b1 began: Linux version 6.1.0-18-cloud-amd64',
    });
    expect(journalMarker({ message: 'Reached target System Power Off.' })).toBeUndefined();
    expect(journalMarker({ message: 'Reached target Power-Off.' })?.phase).toBe('shutdown');
    expect(sourceOf({ log: { file: { path: '/var/log/a.log' } } })).toBe('/var/log/a.log');
  });
});
