/**
 * What `kiln policy plan` shows: the replacements that would start now, in order, why every
 * other due instance waits, and what is still in flight. Pure: decisions in, text or JSON out.
 */
import { formatDurationMs } from '../../lib/duration.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import { renderTable } from '../../lib/table.ts';
import type { ImageDecision } from './bad-image.ts';
import type { Policy } from './config.ts';
import { type Decision, type InFlight, replacementOf } from './planner.ts';
import { windowOpen } from './window.ts';

/** The plan as data (`--json`). */
export interface PlanReport {
  policy: string;
  at: string;
  dryRun: boolean;
  killSwitch: boolean;
  windowOpen: boolean;
  inFlight: { instanceId: string; group: string; decisionId?: string; requestedAt?: string }[];
  decisions: Decision[];
  /** Image decisions (onBadImage): which images go back to which, and why. */
  images: ImageDecision[];
  warnings: string[];
}

/** Builds the plan report. */
export function buildPlanReport(
  decisions: readonly Decision[],
  inFlight: readonly InFlight[],
  docs: readonly RegistryDocument[],
  policy: Policy,
  nowMs: number,
  images: readonly ImageDecision[] = [],
): PlanReport {
  const byId = new Map(docs.map((d) => [d.cloud.instance.id, d]));
  const warnings = [...new Set(decisions.map((d) => d.warning).filter((w): w is string => Boolean(w)))];
  return {
    policy: policy.name,
    at: new Date(nowMs).toISOString(),
    dryRun: policy.dryRun,
    killSwitch: policy.killSwitch,
    windowOpen: windowOpen(policy.safety.windows, nowMs),
    inFlight: inFlight.map((f) => {
      const r = replacementOf(byId.get(f.instanceId)!);
      return {
        ...f,
        ...(r?.decision_id ? { decisionId: r.decision_id } : {}),
        ...(r?.requested_at ? { requestedAt: r.requested_at } : {}),
      };
    }),
    decisions: [...decisions],
    images: [...images],
    warnings,
  };
}

/** Renders the plan for a terminal. */
export function renderPlanReport(report: PlanReport): string {
  const lines: string[] = [];
  const flags = [report.dryRun ? 'dry run' : '', report.killSwitch ? 'KILL SWITCH ON' : '']
    .filter(Boolean)
    .join(', ');
  lines.push(
    `policy ${report.policy} at ${report.at}${flags ? ` (${flags})` : ''}; maintenance window ${report.windowOpen ? 'open' : 'closed'}`,
  );
  for (const w of report.warnings) lines.push(`WARNING: ${w}`);
  if (report.images.length) {
    lines.push(
      '',
      `images (${report.images.length}):`,
      renderTable(
        ['image', 'groups', 'back to', 'failing', 'decision', 'why'],
        report.images.map((i) => [
          i.imageId,
          i.groups.join(',') || '-',
          i.rollbackTo ? `${i.rollbackTo} (${i.via})` : '-',
          `${i.evidence.silentEarly}/${i.evidence.launched}`,
          i.outcome === 'taken' ? `${i.kind}` : `skipped: ${i.reason}`,
          i.reasonText,
        ]),
      ),
    );
  }
  const taken = report.decisions.filter((d) => d.outcome === 'taken');
  const waiting = report.decisions.filter((d) => d.outcome !== 'taken');
  const row = (d: Decision) => [
    d.order ?? '-',
    d.instanceId,
    d.group,
    d.ageProvenance === 'claimed' ? `${formatDurationMs(d.ageMs)} (claimed)` : formatDurationMs(d.ageMs),
    d.severity ? `${d.trigger} (${d.severity})` : d.trigger,
    d.kind === 'notify' ? 'notify' : d.action,
    d.outcome === 'taken' ? d.reason : `${d.outcome}: ${d.reason}`,
    d.reasonText,
  ];
  const header = ['#', 'instance', 'group', 'age', 'trigger', 'action', 'decision', 'why'];
  lines.push('', `now (${taken.length}):`);
  lines.push(taken.length ? renderTable(header, taken.map(row)) : '  nothing to do now');
  if (waiting.length) lines.push('', `waiting (${waiting.length}):`, renderTable(header, waiting.map(row)));
  if (report.inFlight.length) {
    lines.push(
      '',
      `in flight, waiting for a successor (${report.inFlight.length}):`,
      renderTable(
        ['instance', 'group', 'decision', 'requested'],
        report.inFlight.map((f) => [f.instanceId, f.group, f.decisionId ?? '-', f.requestedAt ?? '-']),
      ),
    );
  }
  return lines.join('\n');
}
