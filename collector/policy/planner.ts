/**
 * The pure heart of the policy engine: given the registry, a policy, the time and the replacements
 * already in flight, decide for every due instance whether its replacement (or notification) is
 * taken now, deferred (and why) or skipped (and why), oldest first. No I/O, no clock: table-tested.
 */

import { bareImageId } from '../../bake/lineage.ts';
import type { DriftSeverity } from '../../lib/drift-severity.ts';
import { formatDurationMs } from '../../lib/duration.ts';
import { ageStartOf, type Provenance, type RegistryDocument } from '../../lib/fleet.ts';
import type { ActionType } from '../actions/config.ts';
import type { Policy } from './config.ts';
import { driftClock } from './drift-grace.ts';
import { decisionId, effectiveMaxAgeMs, groupKey, selects } from './selection.ts';
import { windowOpen } from './window.ts';

/** What made an instance due. */
export type Trigger = 'max_age' | 'drift' | 'silence' | 'bad_image';
/** Why a due replacement waits. */
export type DeferReason = 'window_closed' | 'budget_spent' | 'min_healthy' | 'grace_period';
/** Why a due instance is left alone. */
export type SkipReason = 'kill_switch' | 'escalated' | 'no_group';
/** Why a decision is taken. */
export type TakenReason = 'max_age_exceeded' | 'drift_grace_elapsed' | 'presumed_dead' | 'image_rolled_back';

/** The outcome of a decision with its reason. */
export type Verdict =
  | { outcome: 'taken'; reason: TakenReason }
  | { outcome: 'deferred'; reason: DeferReason }
  | { outcome: 'skipped'; reason: SkipReason };

/** One decision about one instance. */
export type Decision = Verdict & {
  /** Deterministic: the same on every collector for the same instance, trigger and episode. */
  id: string;
  instanceId: string;
  group: string;
  trigger: Trigger;
  /** replace: the policy's action; notify: audit and the notify webhook only. */
  kind: 'replace' | 'notify';
  action: ActionType;
  /** The sentence a human reads in the plan and the audit. */
  reasonText: string;
  /** Position in the oldest-first replacement queue (1-based); absent for notifications. */
  order?: number;
  ageMs: number;
  /**
   * What the age rests on: `attested`/`cloud-api` (a launch time AWS vouches for), `collector`
   * (the instance's first contact), or `claimed` (only the instance's word).
   */
  ageProvenance: Provenance;
  /** Shown in the plan, e.g. for aws-ec2-terminate. */
  warning?: string;
  /** Drift decisions: the most severe drift seen (lib/drift-severity.ts). */
  severity?: DriftSeverity;
};

/** A replacement requested and not yet followed by a successor. */
export interface InFlight {
  instanceId: string;
  group: string;
}

/** The registry's replacement block with the engine's own bookkeeping fields. */
export interface ReplacementState {
  decision_id?: string;
  requested_at?: string;
  successor?: string;
  escalated_at?: string;
  collector?: string;
  previous_status?: string;
  trigger?: string;
  reason?: string;
  action?: string;
}

/** The replacement block of a registry document. */
export function replacementOf(doc: RegistryDocument): ReplacementState | undefined {
  return doc.kiln.replacement as ReplacementState | undefined;
}

/** Replacements recorded in the registry whose successor has not reported in (and not escalated). */
export function inFlightFromRegistry(docs: readonly RegistryDocument[]): InFlight[] {
  return docs
    .filter((d) => {
      const r = replacementOf(d);
      return Boolean(r?.decision_id && !r.successor && !r.escalated_at);
    })
    .map((d) => ({ instanceId: d.cloud.instance.id, group: groupKey(d) }));
}

const ec2Warning =
  'aws-ec2-terminate terminates the instance outside any Auto Scaling group: nothing relaunches it unless something outside kiln does';

type Due = Omit<Decision, keyof Verdict> & { verdict?: Verdict };

/** A bad image whose groups launch the image it replaced again: its instances are due. */
export interface RolledBackImage {
  imageId: string;
  rollbackTo: string;
}

/**
 * Decides about every due instance; the result is ordered: notifications, then the replacement
 * queue. Instances of a `rolledBack` image are due (trigger bad_image) under the same budgets,
 * windows and minimum healthy share as every other replacement.
 */
export function planDecisions(
  registryDocs: readonly RegistryDocument[],
  policy: Policy,
  nowMs: number,
  inFlight: readonly InFlight[],
  rolledBack: readonly RolledBackImage[] = [],
): Decision[] {
  const backTo = new Map(rolledBack.map((r) => [bareImageId(r.imageId), r.rollbackTo]));
  const busy = new Set(inFlight.map((f) => f.instanceId));
  const live = registryDocs.filter((d) => d.kiln.status !== 'terminated' && d.kiln.status !== 'replaced');
  const due = live
    .filter((d) => !busy.has(d.cloud.instance.id) && selects(policy, d))
    .map((d) => dueDecision(d, policy, nowMs, backTo))
    .filter((d): d is Due => d !== undefined);

  // Notifications and decisions already settled (grace period, escalated) are not queued.
  const settled = due.filter((d) => d.kind === 'notify' || d.verdict);
  const queue = due
    .filter((d) => d.kind === 'replace' && !d.verdict)
    .sort((a, b) => b.ageMs - a.ageMs || compareIds(a.instanceId, b.instanceId));

  const total = new Map<string, number>();
  const healthy = new Map<string, number>();
  for (const d of live) {
    const g = groupKey(d);
    total.set(g, (total.get(g) ?? 0) + 1);
    if (d.kiln.status === 'running' && !busy.has(d.cloud.instance.id))
      healthy.set(g, (healthy.get(g) ?? 0) + 1);
  }
  let fleetBusy = inFlight.length;
  const groupBusy = new Map<string, number>();
  for (const f of inFlight) groupBusy.set(f.group, (groupBusy.get(f.group) ?? 0) + 1);
  const open = windowOpen(policy.safety.windows, nowMs);
  const { maxConcurrent, maxConcurrentPerGroup, minHealthyShare } = policy.safety;
  const docById = new Map(live.map((d) => [d.cloud.instance.id, d]));

  const decided: Decision[] = settled.map((d) => finish(d, d.verdict ?? takenVerdict(d.trigger)));
  queue.forEach((d, index) => {
    const doc = docById.get(d.instanceId)!;
    const g = d.group;
    const inGroup = groupBusy.get(g) ?? 0;
    const groupTotal = total.get(g) ?? 0;
    const counted = doc.kiln.status === 'running' ? 1 : 0;
    const healthyAfter = (healthy.get(g) ?? 0) - counted;
    let verdict: Verdict = takenVerdict(d.trigger);
    let text = d.reasonText;
    if (policy.killSwitch) {
      verdict = { outcome: 'skipped', reason: 'kill_switch' };
      text = 'the kill switch is on (killSwitch: true): no replacement starts';
    } else if (d.action === 'aws-asg' && !doc.kiln.group) {
      verdict = { outcome: 'skipped', reason: 'no_group' };
      text = 'aws-asg needs the Auto Scaling group (kiln.group) and this instance has none';
    } else if (!open) {
      verdict = { outcome: 'deferred', reason: 'window_closed' };
      text = `outside every maintenance window; ${d.reasonText}`;
    } else if (fleetBusy >= maxConcurrent) {
      verdict = { outcome: 'deferred', reason: 'budget_spent' };
      text = `fleet budget spent: ${fleetBusy} of maxConcurrent ${maxConcurrent} replacements in flight`;
    } else if (inGroup >= maxConcurrentPerGroup) {
      verdict = { outcome: 'deferred', reason: 'budget_spent' };
      text = `group ${g} budget spent: ${inGroup} of maxConcurrentPerGroup ${maxConcurrentPerGroup} in flight`;
    } else if (groupTotal > 0 && healthyAfter / groupTotal < minHealthyShare) {
      verdict = { outcome: 'deferred', reason: 'min_healthy' };
      text = `group ${g}: replacing it would leave ${healthyAfter} of ${groupTotal} healthy (${percent(healthyAfter / groupTotal)}), below minHealthyShare ${percent(minHealthyShare)}`;
    }
    if (verdict.outcome === 'taken') {
      fleetBusy += 1;
      groupBusy.set(g, inGroup + 1);
      healthy.set(g, healthyAfter);
    }
    decided.push({ ...finish(d, verdict), reasonText: text, order: index + 1 });
  });
  return decided;
}

function takenVerdict(trigger: Trigger): Verdict {
  const reason: TakenReason =
    trigger === 'max_age'
      ? 'max_age_exceeded'
      : trigger === 'drift'
        ? 'drift_grace_elapsed'
        : trigger === 'bad_image'
          ? 'image_rolled_back'
          : 'presumed_dead';
  return { outcome: 'taken', reason };
}

function finish(d: Due, verdict: Verdict): Decision {
  const { verdict: _ignored, ...rest } = d;
  return { ...rest, ...verdict } as Decision;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** The trigger that makes this instance due now (or its drift grace period), or undefined. */
function dueDecision(
  doc: RegistryDocument,
  policy: Policy,
  nowMs: number,
  backTo: ReadonlyMap<string, string>,
): Due | undefined {
  const id = doc.cloud.instance.id;
  const start = ageStartOf(doc);
  const ageMs = nowMs - Date.parse(start.at);
  const started = start.at;
  const replaceAction = policy.action.type;
  const base = (trigger: Trigger, kind: 'replace' | 'notify', episode: string, reasonText: string): Due => ({
    id: decisionId(policy.name, id, trigger, episode),
    instanceId: id,
    group: groupKey(doc),
    trigger,
    kind,
    action: kind === 'notify' ? 'notify' : replaceAction,
    reasonText,
    ageMs,
    ageProvenance: start.provenance,
    ...(kind === 'replace' && replaceAction === 'aws-ec2-terminate' ? { warning: ec2Warning } : {}),
  });

  const candidates: Due[] = [];
  let graceWait: Due | undefined;
  const image = doc.cloud.image?.id ?? doc.host?.image?.id;
  const target = image ? backTo.get(bareImageId(image)) : undefined;
  if (image && target) {
    candidates.push(
      base(
        'bad_image',
        'replace',
        bareImageId(image),
        `its image ${image} was marked bad and its group launches ${target} again: replaced by an instance of ${target}`,
      ),
    );
  }
  const drift = doc.kiln.drift;
  if (policy.onDrift && drift.state === 'drifted') {
    const clock = driftClock(doc, policy.onDrift);
    const driftedMs = nowMs - Date.parse(clock.since);
    const kind = policy.onDrift.action === 'replace' ? 'replace' : 'notify';
    const path = drift.latest_path ? ` (latest: ${drift.latest_path})` : '';
    const severity = clock.severity ? ` (${drift.severity ?? clock.severity})` : '';
    const graceOf = clock.severity ? `${clock.severity} grace period` : 'grace period';
    if (nowMs >= clock.dueAtMs) {
      candidates.push(
        base(
          'drift',
          kind,
          clock.since,
          `drifted${severity} from its baseline ${formatDurationMs(driftedMs)} ago${path}`,
        ),
      );
    } else {
      graceWait = base(
        'drift',
        kind,
        clock.since,
        `drifted${severity} ${formatDurationMs(driftedMs)} ago${path}; ${graceOf} ${formatDurationMs(clock.graceMs)} ends at ${new Date(clock.dueAtMs).toISOString()}`,
      );
      graceWait.verdict = { outcome: 'deferred', reason: 'grace_period' };
    }
    const chosenSeverity = drift.severity ?? clock.severity;
    if (chosenSeverity)
      for (const c of [...candidates, ...(graceWait ? [graceWait] : [])]) c.severity = chosenSeverity;
  }
  if (policy.maxAge !== undefined) {
    const limit = effectiveMaxAgeMs(policy.maxAge, policy.spreadPercent, id);
    if (ageMs >= limit) {
      candidates.push(
        base(
          'max_age',
          'replace',
          started,
          `age ${formatDurationMs(ageMs)} reached its limit ${formatDurationMs(limit)} (maxAge ${formatDurationMs(policy.maxAge)} less its spread)${ageBasis(start.provenance)}`,
        ),
      );
    }
  }
  if (policy.silence) {
    const quietMs = nowMs - Date.parse(doc.kiln.last_seen);
    if (quietMs >= policy.silence.after) {
      candidates.push(
        base(
          'silence',
          policy.silence.replace ? 'replace' : 'notify',
          doc.kiln.last_seen,
          `no heartbeat for ${formatDurationMs(quietMs)} (silence.after ${formatDurationMs(policy.silence.after)}): presumed dead`,
        ),
      );
    }
  }
  const chosen = candidates.find((c) => c.kind === 'replace') ?? candidates[0] ?? graceWait;
  if (!chosen) return undefined;
  const r = replacementOf(doc);
  if (r?.escalated_at && r.decision_id === chosen.id) {
    chosen.verdict = { outcome: 'skipped', reason: 'escalated' };
    chosen.reasonText = `decision ${chosen.id} failed and was escalated at ${r.escalated_at}; kiln does not retry an escalated decision: fix the cause and replace the instance by other means`;
  }
  return chosen;
}

/** Says what an age rests on when it is not a launch time AWS vouches for. */
function ageBasis(provenance: Provenance): string {
  if (provenance === 'claimed') return '; the age rests on a launch or boot time only the instance claims';
  if (provenance === 'collector') return '; the age is counted from the instance’s first contact with kiln';
  return '';
}

/** Code-unit order of ids: the same on every machine and locale (localeCompare is neither). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
