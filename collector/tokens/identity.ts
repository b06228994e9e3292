/**
 * What a verified instance token stands for: the identity the collector stamps on every event of
 * that instance. It is fixed at enrollment, from attested sources where there are any, and never
 * taken from a payload. `provenance` says, fact by fact, where each value came from, so the
 * registry and `kiln policy plan` can tell an attested launch time from a claimed one.
 */

import type { EnrollmentTrust, Provenance } from '../../lib/fleet.ts';

export type { Provenance } from '../../lib/fleet.ts';

/** How an instance proved who it is. */
export type EnrollmentMethod = 'aws-iid' | 'bound-token' | 'fleet-token';

/** The facts an identity can carry, by their registry names. */
export type IdentityFact =
  | 'image_id'
  | 'bake_id'
  | 'host_name'
  | 'account_id'
  | 'region'
  | 'availability_zone'
  | 'instance_type'
  | 'launch_time'
  | 'autoscaling_group';

/** The identity behind an instance token. */
export interface InstanceIdentity {
  instanceId: string;
  method: EnrollmentMethod;
  /** The holder's stable id (ECS `agent.id`): changes only when an operator resets the instance. */
  agentId: string;
  /** When this instance id first enrolled (the collector's clock). */
  enrolledAt: string;
  imageId?: string;
  bakeId?: string;
  hostname?: string;
  accountId?: string;
  region?: string;
  availabilityZone?: string;
  instanceType?: string;
  /** The launch time (attested `pendingTime`, or EC2's LaunchTime). */
  launchTime?: string;
  autoscalingGroup?: string;
  provenance: Partial<Record<IdentityFact, Provenance>>;
}

/** How much an operator can trust who an instance says it is, as `kiln fleet` shows it. */
export function trustOf(method: EnrollmentMethod): EnrollmentTrust {
  if (method === 'aws-iid') return 'attested';
  return method === 'bound-token' ? 'bound' : 'tofu';
}
