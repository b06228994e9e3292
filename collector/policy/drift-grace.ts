/**
 * When drift makes an instance due: each severity seen has its own grace period
 * (`onDrift.gracePeriodBySeverity`, else `onDrift.gracePeriod`), counted from when drift of that
 * severity was first seen; the instance is due at the earliest of those ends. So a policy can
 * replace at once on critical drift and wait hours on the rest. Pure.
 */
import { type DriftSeverity, driftSeverities } from '../../lib/drift-severity.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { Policy } from './config.ts';

/** The severity whose grace period ends first, and when. */
export interface DriftClock {
  /** When the drift episode began (the decision's episode). */
  since: string;
  severity?: DriftSeverity;
  /** When that severity was first seen. */
  severitySince: string;
  graceMs: number;
  dueAtMs: number;
}

/** The drift clock of a drifted instance under the policy's onDrift rule. */
export function driftClock(doc: RegistryDocument, onDrift: NonNullable<Policy['onDrift']>): DriftClock {
  const drift = doc.kiln.drift;
  const since = drift.first_at ?? drift.latest_at ?? doc.kiln.status_changed_at;
  const bySeverity = drift.first_at_by_severity ?? {};
  let best: DriftClock | undefined;
  for (const severity of driftSeverities) {
    const at = bySeverity[severity];
    if (!at) continue;
    const graceMs = onDrift.gracePeriodBySeverity[severity] ?? onDrift.gracePeriod;
    const dueAtMs = Date.parse(at) + graceMs;
    if (!best || dueAtMs < best.dueAtMs) best = { since, severity, severitySince: at, graceMs, dueAtMs };
  }
  return (
    best ?? {
      since,
      severitySince: since,
      graceMs: onDrift.gracePeriod,
      dueAtMs: Date.parse(since) + onDrift.gracePeriod,
    }
  );
}
