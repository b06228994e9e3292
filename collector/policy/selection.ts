/**
 * Which registry documents a policy governs, when each is due and the per-instance spread.
 * Pure: no clock, no I/O.
 */
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { Policy } from './config.ts';

function matchesAny(patterns: readonly string[] | undefined, values: (string | undefined)[]): boolean {
  if (!patterns) return true;
  const present = values.filter((v): v is string => typeof v === 'string');
  return patterns.some((p) => present.some((v) => picomatch.isMatch(v, p)));
}

/** True when every key of the policy's selector matches the instance. */
export function selects(policy: Policy, doc: RegistryDocument): boolean {
  const s = policy.selector;
  if (s.labels) {
    for (const [key, value] of Object.entries(s.labels)) if (doc.labels?.[key] !== value) return false;
  }
  return (
    matchesAny(s.role, [doc.kiln.role]) &&
    matchesAny(s.group, [doc.kiln.group]) &&
    matchesAny(s.image, [doc.cloud.image?.id, doc.host?.image?.id, doc.kiln.image?.name])
  );
}

/** A stable fraction in [0, 1) derived from the instance id (the first 32 bits of its SHA-256). */
export function spreadFraction(instanceId: string): number {
  return createHash('sha256').update(instanceId).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The age at which this instance is due: maxAge minus up to spreadPercent of it, by a hash of its
 * id, so instances baked and launched together do not all expire in the same evaluation. Never
 * later than maxAge.
 */
export function effectiveMaxAgeMs(maxAgeMs: number, spreadPercent: number, instanceId: string): number {
  return Math.round(maxAgeMs - maxAgeMs * (spreadPercent / 100) * spreadFraction(instanceId));
}

/** The key of an instance's group for budgets and min-healthy ("-" for instances in no group). */
export function groupKey(doc: RegistryDocument): string {
  return doc.kiln.group ?? '-';
}

/** A deterministic decision id: the same instance, trigger and episode give the same id on every collector. */
export function decisionId(policyName: string, instanceId: string, trigger: string, episode: string): string {
  const digest = createHash('sha256')
    .update(`${policyName}\n${instanceId}\n${trigger}\n${episode}`)
    .digest('hex');
  return `d-${digest.slice(0, 32)}`;
}
