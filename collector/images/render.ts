/**
 * `kiln images health` for a terminal: one row per image, each rate with its counts and the
 * same rate of the image it replaced. Pure.
 */
import type { ImageMark } from '../../bake/store/record.ts';
import { renderTable } from '../../lib/table.ts';
import type { ImageHealth, Share } from './health.ts';

function pct(s: Share): string {
  return `${s.count}/${s.of} (${Math.round(s.share * 1000) / 10}%)`;
}

function versus(now: string, then: string | undefined): string {
  return then === undefined ? now : `${now} vs ${then}`;
}

/** The header of the health table. */
export const healthHeader = [
  'IMAGE',
  'REPLACED',
  'LAUNCHED',
  'RUNNING',
  'SILENT EARLY',
  'CRASH LOOPS',
  'DRIFTED',
  'TERMINATED EARLY',
  'ERRORS/INSTANCE-H',
  'MARK',
] as const;

/** One row per image. */
export function healthRows(health: readonly ImageHealth[], marks: readonly ImageMark[]): string[][] {
  const markOf = new Map(marks.map((m) => [m.image_id, m]));
  return health.map((h) => {
    const b = h.baseline;
    const mark = markOf.get(h.imageId);
    const e = h.rates.errorLinesPerInstanceHour;
    const be = b?.rates.errorLinesPerInstanceHour;
    return [
      h.imageId,
      b ? `${b.imageId} (${b.via})` : '-',
      versus(String(h.counts.launched), b ? String(b.counts.launched) : undefined),
      versus(String(h.counts.running), b ? String(b.counts.running) : undefined),
      versus(pct(h.rates.silentEarly), b ? pct(b.rates.silentEarly) : undefined),
      versus(pct(h.rates.crashLooping), b ? pct(b.rates.crashLooping) : undefined),
      versus(pct(h.rates.drifted), b ? pct(b.rates.drifted) : undefined),
      versus(pct(h.rates.terminatedEarly), b ? pct(b.rates.terminatedEarly) : undefined),
      versus(
        `${e.rate} (${e.count}/${hours(e.instanceHours)}h)`,
        be ? `${be.rate} (${be.count}/${hours(be.instanceHours)}h)` : undefined,
      ),
      mark ? (mark.rolled_back_at ? `bad, rolled back to ${mark.rollback_to}` : 'bad') : '-',
    ];
  });
}

/** The table. */
export function renderHealth(health: readonly ImageHealth[], marks: readonly ImageMark[]): string {
  if (health.length === 0) return 'no instances in the registry: no image health to show';
  return renderTable([...healthHeader], healthRows(health, marks));
}

/** Instance-hours as a reader wants them: whole above 100, one decimal below (the JSON keeps 4). */
function hours(value: number): string {
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}
