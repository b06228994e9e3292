/** The timeline and completeness report built from an instance's documents (pure). */
import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../dashboards/investigate/index.ts';
import { buildTimeline, completenessRows, type StoryData } from '../../../dashboards/investigate/story.ts';

const base: StoryData = {
  instanceId: 'i-1',
  facts: [],
  lifecycle: [],
  heartbeats: { count: 0 },
  drift: { events: [], total: 0 },
  decisions: [],
  logs: { lines: [], total: 0 },
  causes: [],
  journalMarkers: [],
};

describe('buildTimeline', () => {
  it('orders bake → launch → boot → start → drift → decision → heartbeat → log → silence', () => {
    const t = '2026-11-20T10:00:00.000Z';
    const timeline = buildTimeline({
      ...base,
      registry: {
        kiln: {
          status: 'silent',
          status_changed_at: '2026-11-20T12:00:00Z',
          last_seen: '2026-11-20T11:45:00Z',
          launch_time: t,
        },
      },
      bake: {
        kiln: {
          bake: {
            id: 'b-2',
            status: 'succeeded',
            finished_at: '2026-11-18T09:00:00Z',
            image_name: 'web',
            image_version: '1.1',
            artifacts: ['ami-2'],
          },
        },
      },
      facts: [
        {
          '@timestamp': t,
          host: { boot: { id: 'boot-1' }, name: 'web-1' },
          cloud: { image: { id: 'ami-2' } },
          kiln: { boot_time: t },
        },
      ],
      lifecycle: [{ '@timestamp': t, kiln: { lifecycle: { phase: 'start' } } }],
      drift: {
        events: [
          {
            '@timestamp': '2026-11-20T10:30:00Z',
            kiln: { drift: { change: 'modified', category: 'file', path: '/etc/hosts' } },
          },
        ],
        total: 1,
      },
      decisions: [
        {
          '@timestamp': '2026-11-20T12:10:00Z',
          kiln: {
            decision: {
              outcome: 'taken',
              action: 'replace',
              trigger: 'silence',
              reason: 'silent_too_long',
              dry_run: true,
            },
          },
        },
      ],
      heartbeats: { count: 7, last: '2026-11-20T11:45:00.000Z' },
      logs: {
        lines: [{ at: '2026-11-20T11:44:59.000Z', file: '/var/log/app.log', offset: 10, message: 'panic' }],
        total: 1,
      },
    });
    expect(timeline.map((e) => `${e.at} ${e.phase} ${e.text}`)).toEqual([
      '2026-11-18T09:00:00.000Z bake bake b-2 succeeded (web 1.1) → ami-2',
      '2026-11-20T10:00:00.000Z launch instance launched',
      '2026-11-20T10:00:00.000Z boot booted image ami-2 as web-1 (boot boot-1)',
      '2026-11-20T10:00:00.000Z start agent started',
      '2026-11-20T10:30:00.000Z drift drift: modified file /etc/hosts',
      '2026-11-20T11:44:59.000Z log last log line, /var/log/app.log',
      '2026-11-20T11:45:00.000Z heartbeat last heartbeat (7 in all)',
      '2026-11-20T12:00:00.000Z silence went silent: no heartbeat since 2026-11-20T11:45:00Z',
      '2026-11-20T12:10:00.000Z decision decision taken: replace (trigger silence, reason silent_too_long) [dry run]',
    ]);
  });

  it('summarises a shutdown with its completeness, and counts drift it did not list', () => {
    const timeline = buildTimeline({
      ...base,
      registry: {
        kiln: {
          status: 'terminated',
          status_changed_at: '2026-11-20T10:06:00Z',
          status_reason: 'ASG scale-in',
        },
      },
      lifecycle: [
        {
          '@timestamp': '2026-11-20T10:05:00Z',
          kiln: {
            lifecycle: { phase: 'shutdown', reason: 'SIGTERM' },
            completeness: { file: '/a', complete: true },
          },
        },
        {
          '@timestamp': '2026-11-20T10:05:00Z',
          kiln: { lifecycle: { phase: 'shutdown' }, completeness: { file: '/b', complete: false } },
        },
      ],
      drift: {
        events: [
          {
            '@timestamp': '2026-11-20T10:01:00Z',
            package: { name: 'curl' },
            kiln: { drift: { change: 'installed' } },
          },
        ],
        total: 4,
      },
    });
    expect(timeline.map((e) => e.text)).toEqual([
      'drift: installed curl',
      '… and 3 more drift events',
      'agent shut down (SIGTERM): 1 of 2 files and journals shipped completely',
      'status terminated (ASG scale-in)',
    ]);
  });
});

describe('completenessRows', () => {
  it('reads one event per file and one event listing every file alike', () => {
    expect(
      completenessRows([
        {
          '@timestamp': 't1',
          kiln: { completeness: { file: '/z', bytes_shipped: 5, file_size: 5, complete: true } },
        },
        {
          '@timestamp': 't2',
          kiln: { completeness: [{ file: '/a', bytes_shipped: 1, file_size: 2, complete: false }] },
        },
      ]),
    ).toEqual([
      { at: 't2', file: '/a', bytesShipped: 1, fileSize: 2, complete: false },
      { at: 't1', file: '/z', bytesShipped: 5, fileSize: 5, complete: true },
    ]);
  });
});

describe('parseSince', () => {
  const now = () => Date.UTC(2026, 10, 22, 12);
  it.each([
    ['2h', Date.UTC(2026, 10, 22, 10)],
    ['1d', Date.UTC(2026, 10, 21, 12)],
    ['2026-11-22T09:30:00Z', Date.UTC(2026, 10, 22, 9, 30)],
  ])('%s', (text, ms) => {
    expect(parseSince(text, now)).toBe(ms);
  });
  it('explains what it accepts', () => {
    expect(() => parseSince('yesterday', now)).toThrow(
      /expected a duration back from now \(30m, 2h, 7d\) or an ISO time/,
    );
  });
});
