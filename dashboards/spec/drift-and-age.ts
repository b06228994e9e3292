/** [kiln] Drift and age: what drifts, how soon after boot, and what kiln decided about it. */
import type { DashboardSpec, RangeSpec } from './types.ts';

const minuteMs = 60_000;

/** Buckets of the time from boot to first drift. */
export const bootToDriftRanges: readonly RangeSpec[] = [
  { from: 0, to: 10 * minuteMs, label: 'under 10m' },
  { from: 10 * minuteMs, to: 60 * minuteMs, label: '10m–1h' },
  { from: 60 * minuteMs, to: 24 * 60 * minuteMs, label: '1h–1d' },
  { from: 24 * 60 * minuteMs, label: '1d or more' },
];

/** The Drift and age dashboard. */
export function driftAndAge(): DashboardSpec {
  return {
    key: 'drift-and-age',
    title: '[kiln] Drift and age',
    description:
      'Drift events by path and package, time from boot to first drift, decisions taken and deferred.',
    panels: [
      {
        key: 'drift-by-path',
        type: 'lens',
        title: '[kiln] Drift events by path',
        description: 'Files that changed after boot against the baked baseline, by kind of change.',
        dataView: 'drift',
        where: [{ field: 'kiln.drift.path', exists: true }],
        vis: {
          kind: 'bar_horizontal',
          x: { op: 'terms', field: 'kiln.drift.path', size: 15, label: 'Path' },
          breakdown: { op: 'terms', field: 'kiln.drift.change', size: 5, label: 'Change' },
          metric: { op: 'count', label: 'Drift events' },
        },
      },
      {
        key: 'drift-by-package',
        type: 'lens',
        title: '[kiln] Drift events by package',
        description: 'Packages installed, removed or changed after boot, by kind of change.',
        dataView: 'drift',
        where: [{ field: 'package.name', exists: true }],
        vis: {
          kind: 'bar_horizontal',
          x: { op: 'terms', field: 'package.name', size: 15, label: 'Package' },
          breakdown: { op: 'terms', field: 'kiln.drift.change', size: 5, label: 'Change' },
          metric: { op: 'count', label: 'Drift events' },
        },
      },
      {
        key: 'drift-by-category',
        type: 'lens',
        title: '[kiln] Drift by category',
        description: 'Which kind of state drifts: files, packages, services, users.',
        dataView: 'drift',
        width: 16,
        vis: {
          kind: 'donut',
          slice: { op: 'terms', field: 'kiln.drift.category', size: 10, label: 'Category' },
          metric: { op: 'count', label: 'Drift events' },
        },
      },
      {
        key: 'boot-to-first-drift',
        type: 'lens',
        title: '[kiln] Time from boot to first drift',
        description:
          'Drifted instances by how long after boot their first drift came; early drift hints at the image.',
        dataView: 'registry',
        where: [{ field: 'kiln.drift.state', is: ['drifted'] }],
        width: 32,
        vis: {
          kind: 'bar',
          x: {
            op: 'range',
            field: 'kiln.drift.first_after_boot_ms',
            ranges: bootToDriftRanges,
            label: 'Boot to first drift',
          },
          metric: { op: 'count', label: 'Instances' },
        },
      },
      {
        key: 'decisions-by-reason',
        type: 'lens',
        title: '[kiln] Decisions taken and deferred, by reason',
        description:
          'Why kiln replaced an instance, or why it waited (rate limit, maintenance window, min healthy share).',
        dataView: 'actions',
        where: [{ field: 'kiln.decision.outcome', is: ['taken', 'deferred'] }],
        vis: {
          kind: 'bar_horizontal',
          x: { op: 'terms', field: 'kiln.decision.reason', size: 10, label: 'Reason' },
          breakdown: { op: 'terms', field: 'kiln.decision.outcome', size: 2, label: 'Outcome' },
          metric: { op: 'count', label: 'Decisions' },
        },
      },
      {
        key: 'decisions-over-time',
        type: 'lens',
        title: '[kiln] Decisions over time, by outcome',
        description: 'Every decision per day: taken, deferred, skipped, failed or escalated.',
        dataView: 'actions',
        vis: {
          kind: 'bar',
          x: { op: 'date_histogram', field: '@timestamp', interval: '1d', label: 'Day' },
          breakdown: { op: 'terms', field: 'kiln.decision.outcome', size: 5, label: 'Outcome' },
          metric: { op: 'count', label: 'Decisions' },
        },
      },
      {
        key: 'age-by-image',
        type: 'lens',
        title: '[kiln] Instance age by image',
        description: 'Per image: running instances, the oldest and the average age (milliseconds).',
        dataView: 'registry',
        where: [{ field: 'kiln.status', is: ['running'] }],
        vis: {
          kind: 'table',
          rows: [{ op: 'terms', field: 'cloud.image.id', size: 20, label: 'Image' }],
          metrics: [
            { op: 'count', label: 'Running' },
            { op: 'max', field: 'kiln.age_ms', label: 'Oldest (ms)' },
            { op: 'average', field: 'kiln.age_ms', label: 'Average age (ms)' },
          ],
        },
      },
      {
        key: 'decision-log',
        type: 'search',
        title: '[kiln] Decision log',
        description: 'Every decision with its outcome, trigger and reason in words; dry runs included.',
        dataView: 'actions',
        columns: [
          'cloud.instance.id',
          'kiln.decision.outcome',
          'kiln.decision.trigger',
          'kiln.decision.reason',
          'kiln.decision.reason_text',
          'kiln.decision.action',
          'kiln.decision.dry_run',
        ],
        sort: [['@timestamp', 'desc']],
      },
    ],
  };
}
