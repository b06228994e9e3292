/** Registry documents for policy tests: a fleet of instances with controllable age, group, drift and status. */

import { type Policy, policySchema } from '../../../collector/policy/config.ts';
import type { RegistryDocument } from '../../../lib/fleet.ts';

/** 2026-03-02T12:00:00Z, a Monday. */
export const baseMs = Date.parse('2026-03-02T12:00:00Z');
export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;

/** Options of one fixture instance. */
export interface InstanceSpec {
  id: string;
  ageMs: number;
  group?: string;
  role?: string;
  status?: RegistryDocument['kiln']['status'];
  driftedForMs?: number;
  /** When drift of each severity was first seen, as ms before now (the registry's first_at_by_severity). */
  driftSeverityForMs?: Partial<Record<'critical' | 'high' | 'medium' | 'low', number>>;
  silentForMs?: number;
  labels?: Record<string, string>;
  image?: string;
}

/** A registry document as the registry updater writes it for an attested EC2 instance, at `nowMs`. */
export function registryDoc(spec: InstanceSpec, nowMs = baseMs): RegistryDocument {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    '@timestamp': iso(nowMs),
    cloud: {
      instance: { id: spec.id },
      image: { id: spec.image ?? 'ami-0123456789abcdef0' },
      provider: 'aws',
    },
    host: { name: `host-${spec.id}` },
    labels: spec.labels ?? { env: 'prod' },
    kiln: {
      kind: 'registry',
      launch_time: iso(nowMs - spec.ageMs),
      provenance: { launch_time: 'attested', image_id: 'attested' },
      enrollment: { method: 'aws-iid', trust: 'attested', enrolled_at: iso(nowMs - spec.ageMs) },
      first_seen: iso(nowMs - spec.ageMs),
      last_seen: iso(nowMs - (spec.silentForMs ?? 10_000)),
      status: spec.status ?? 'running',
      status_changed_at: iso(nowMs - spec.ageMs),
      ...(spec.group ? { group: spec.group } : {}),
      ...(spec.role ? { role: spec.role } : {}),
      drift:
        spec.driftedForMs === undefined
          ? { state: 'clean', count: 0 }
          : {
              state: 'drifted',
              count: 1,
              first_at: iso(nowMs - spec.driftedForMs),
              latest_path: '/etc/ssh/sshd_config',
              ...(spec.driftSeverityForMs
                ? {
                    severity: (['critical', 'high', 'medium', 'low'] as const).find(
                      (s) => spec.driftSeverityForMs![s] !== undefined,
                    )!,
                    first_at_by_severity: Object.fromEntries(
                      Object.entries(spec.driftSeverityForMs).map(([s, ms]) => [s, iso(nowMs - ms!)]),
                    ),
                  }
                : {}),
            },
    },
  };
}

/**
 * 50 instances in 5 groups of 10 (g0..g4), instance i-00..i-49, instance n aged (10 + n) days
 * minus n hours, so every age is distinct and i-49 is the oldest.
 */
export function fleetOf50(nowMs = baseMs, tweak: (spec: InstanceSpec, n: number) => InstanceSpec = (s) => s) {
  return Array.from({ length: 50 }, (_, n) =>
    registryDoc(
      tweak(
        { id: `i-${String(n).padStart(2, '0')}`, ageMs: (10 + n) * dayMs - n * hourMs, group: `g${n % 5}` },
        n,
      ),
      nowMs,
    ),
  );
}

/** A policy from a raw (YAML-shaped) object with test-friendly defaults. */
export function policyOf(raw: Record<string, unknown>): Policy {
  return policySchema.parse({ name: 'test', action: { type: 'notify' }, ...raw });
}
