/** [kiln] Fleet overview: what runs, in which state, on which image, how old, what got replaced. */
import { formatDurationMs } from '../../lib/duration.ts';
import type { DashboardBuildOptions, DashboardSpec, RangeSpec } from './types.ts';

const dayMs = 86_400_000;

/** Age buckets with their last boundary at the max-age policy: the last bar is "past max age". */
export function ageRanges(maxAgeMs: number): RangeSpec[] {
  const steps = [dayMs, 3 * dayMs].filter((ms) => ms < maxAgeMs);
  const ranges: RangeSpec[] = [];
  let from = 0;
  for (const to of steps) {
    ranges.push({ from, to, label: `${formatDurationMs(from)}–${formatDurationMs(to)}` });
    from = to;
  }
  ranges.push({ from, to: maxAgeMs, label: `${formatDurationMs(from)}–${formatDurationMs(maxAgeMs)}` });
  ranges.push({ from: maxAgeMs, label: `past max age (≥ ${formatDurationMs(maxAgeMs)})` });
  return ranges;
}

/** The Fleet overview dashboard. */
export function fleetOverview(options: DashboardBuildOptions): DashboardSpec {
  return {
    key: 'fleet-overview',
    title: '[kiln] Fleet overview',
    description:
      'Every instance kiln knows: status, image, age against the max-age policy, drift, replacements.',
    panels: [
      {
        key: 'instances',
        type: 'lens',
        title: '[kiln] Instances',
        description: 'Instances in the fleet registry, in any status.',
        dataView: 'registry',
        width: 12,
        height: 8,
        vis: { kind: 'metric', metric: { op: 'count', label: 'Instances' } },
      },
      {
        key: 'drifted-count',
        type: 'lens',
        title: '[kiln] Drifted instances',
        description: 'Instances whose files or packages no longer match the baseline captured at bake time.',
        dataView: 'registry',
        where: [{ field: 'kiln.drift.state', is: ['drifted'] }],
        width: 12,
        height: 8,
        vis: { kind: 'metric', metric: { op: 'count', label: 'Drifted' } },
      },
      {
        key: 'silent-count',
        type: 'lens',
        title: '[kiln] Silent instances',
        description:
          'Instances that stopped sending heartbeats: presumed dead, their logs kept for investigation.',
        dataView: 'registry',
        where: [{ field: 'kiln.status', is: ['silent'] }],
        width: 12,
        height: 8,
        vis: { kind: 'metric', metric: { op: 'count', label: 'Silent' } },
      },
      {
        key: 'past-max-age-count',
        type: 'lens',
        title: '[kiln] Running past max age',
        description: `Running instances older than the max-age policy (${formatDurationMs(options.maxAgeMs)}): due for replacement.`,
        dataView: 'registry',
        where: [
          { field: 'kiln.status', is: ['running'] },
          { field: 'kiln.age_ms', atLeast: options.maxAgeMs },
        ],
        width: 12,
        height: 8,
        vis: { kind: 'metric', metric: { op: 'count', label: 'Past max age' } },
      },
      {
        key: 'by-status',
        type: 'lens',
        title: '[kiln] Instances by status',
        description: 'running, silent (no heartbeat), terminated, replacing, replaced.',
        dataView: 'registry',
        vis: {
          kind: 'donut',
          slice: { op: 'terms', field: 'kiln.status', size: 5, label: 'Status' },
          metric: { op: 'count', label: 'Instances' },
        },
      },
      {
        key: 'by-image',
        type: 'lens',
        title: '[kiln] Instances by image and status',
        description:
          'Which images the fleet runs, and how many instances of each are running, silent or gone.',
        dataView: 'registry',
        vis: {
          kind: 'bar_horizontal',
          x: { op: 'terms', field: 'cloud.image.id', size: 10, label: 'Image' },
          breakdown: { op: 'terms', field: 'kiln.status', size: 5, label: 'Status' },
          metric: { op: 'count', label: 'Instances' },
        },
      },
      {
        key: 'age-distribution',
        type: 'lens',
        title: '[kiln] Age of running instances against the max-age policy',
        description: `Running instances by age; the last bar is past the max-age policy (${formatDurationMs(options.maxAgeMs)}).`,
        dataView: 'registry',
        where: [{ field: 'kiln.status', is: ['running'] }],
        vis: {
          kind: 'bar',
          x: { op: 'range', field: 'kiln.age_ms', ranges: ageRanges(options.maxAgeMs), label: 'Age' },
          metric: { op: 'count', label: 'Instances' },
        },
      },
      {
        key: 'replacements',
        type: 'lens',
        title: '[kiln] Replacements over time, by trigger',
        description:
          'Decisions kiln took (outcome taken) per day, split by what triggered them: max age, drift or silence.',
        dataView: 'actions',
        where: [{ field: 'kiln.decision.outcome', is: ['taken'] }],
        vis: {
          kind: 'bar',
          x: { op: 'date_histogram', field: '@timestamp', interval: '1d', label: 'Day' },
          breakdown: { op: 'terms', field: 'kiln.decision.trigger', size: 3, label: 'Trigger' },
          metric: { op: 'count', label: 'Replacements' },
        },
      },
      {
        key: 'drifted-list',
        type: 'search',
        title: '[kiln] Drifted instances',
        description:
          'Drifted instances, first drift first: when it started, how many changes, the latest path.',
        dataView: 'registry',
        where: [{ field: 'kiln.drift.state', is: ['drifted'] }],
        columns: [
          'cloud.instance.id',
          'kiln.status',
          'cloud.image.id',
          'kiln.drift.first_at',
          'kiln.drift.count',
          'kiln.drift.latest_path',
        ],
        sort: [['kiln.drift.first_at', 'asc']],
      },
      {
        key: 'oldest',
        type: 'search',
        title: '[kiln] Oldest running instances',
        description: 'Running instances, oldest launch first: the next in line for a max-age replacement.',
        dataView: 'registry',
        where: [{ field: 'kiln.status', is: ['running'] }],
        columns: ['cloud.instance.id', 'cloud.image.id', 'kiln.group', 'kiln.launch_time', 'kiln.age_ms'],
        sort: [['kiln.launch_time', 'asc']],
        size: 10,
      },
    ],
  };
}
