/**
 * The fleet registry document: one per instance (`_id` = instance id) in `<prefix>-registry`.
 * Written by the collector's registry updater, read by `kiln fleet`, the policy engine,
 * `kiln images`, `kiln investigate` and the dashboards. ECS where ECS has a field, `kiln.*` else.
 */
import type { DriftSeverity } from './drift-severity.ts';

/** Where an instance is in its life, as kiln sees it. */
export type InstanceStatus = 'running' | 'silent' | 'terminated' | 'replacing' | 'replaced';

/** Whether the instance still matches its baked baseline. */
export type DriftState = 'clean' | 'drifted' | 'unknown';

/** Where a fact came from: signed by AWS, read from the cloud API, only claimed, or seen by kiln. */
export type Provenance = 'attested' | 'cloud-api' | 'claimed' | 'collector';

/** How far the instance's identity can be trusted: attested (signed), bound (operator-issued token), tofu. */
export type EnrollmentTrust = 'attested' | 'bound' | 'tofu';

/** One instance in the registry. */
export interface RegistryDocument {
  /** Last time the document changed. */
  '@timestamp': string;
  cloud: {
    instance: { id: string };
    image?: { id?: string };
    provider?: string;
    region?: string;
    availability_zone?: string;
    machine?: { type?: string };
    account?: { id?: string };
  };
  host?: {
    name?: string;
    hostname?: string;
    boot?: { id?: string };
    image?: { id?: string };
    os?: { name?: string; version?: string; kernel?: string };
  };
  agent?: { version?: string };
  /** Tags of the instance (e.g. EC2 tags), used by policy selectors. */
  labels?: Record<string, string>;
  kiln: {
    kind: 'registry';
    bake?: { id?: string };
    image?: { name?: string; version?: string };
    launch_time?: string;
    boot_time?: string;
    first_seen: string;
    last_seen: string;
    status: InstanceStatus;
    status_changed_at: string;
    status_reason?: string;
    /** Auto Scaling group (or other replacement group) name. */
    group?: string;
    role?: string;
    drift: {
      state: DriftState;
      first_at?: string;
      latest_at?: string;
      count: number;
      latest_path?: string;
      /** The most severe drift seen since the instance drifted (lib/drift-severity.ts). */
      severity?: DriftSeverity;
      /** When drift of each severity was first seen: the grace period of that severity counts from it. */
      first_at_by_severity?: Partial<Record<DriftSeverity, string>>;
      /** Ids of the latest drift events counted (bounded), so a re-delivered event is not counted twice. */
      recent_ids?: string[];
      /** first_at minus boot_time, stored because the minimal cluster has no painless to compute it. */
      first_after_boot_ms?: number;
    };
    /** Digest of the agent's config, from the latest facts. */
    agent_config_digest?: string;
    /** False when the image has no kiln manifest (not baked by kiln). */
    baked?: boolean;
    replacement?: { decision_id?: string; requested_at?: string; successor?: string };
    shutdown?: { at: string; complete: boolean };
    /** How the instance enrolled (from its instance token, never from a payload). */
    enrollment?: { method: string; trust: EnrollmentTrust; enrolled_at: string; agent_id?: string };
    /** Per fact (image_id, launch_time, region, …): where its value came from. */
    provenance?: Record<string, Provenance>;
    /** A termination the agent announced, and what the collector did about its lifecycle hook. */
    termination?: TerminationState;
  };
}

/**
 * Where an announced termination is: `pending` (notice seen), `reported` (the agent's final
 * report is durable), `completing` (one collector claimed the lifecycle action), then
 * `completed`, `not_waiting` (no Auto Scaling lifecycle action was waiting) or `failed`.
 */
export interface TerminationState {
  state: 'pending' | 'reported' | 'completing' | 'completed' | 'not_waiting' | 'failed';
  kind: 'autoscaling' | 'spot';
  notice_at: string;
  report_at?: string;
  /** Whether the final report said every source was complete. */
  complete?: boolean;
  claimed_by?: string;
  claimed_at?: string;
  /** What made the collector complete it: the final report, or the deadline. */
  trigger?: 'report' | 'deadline';
  group?: string;
  hook?: string;
  completed_at?: string;
  error?: string;
}

/** When an instance's life began, as far as kiln can tell, and what that rests on. */
export interface AgeStart {
  at: string;
  /** `attested`/`cloud-api`: a launch time AWS vouches for; `claimed`: the instance's word; `collector`: first contact. */
  provenance: Provenance;
}

/**
 * The start of an instance's life. An attested launch time is taken as it is. Otherwise the
 * earliest of what the instance claims (launch, boot) and what the collector saw (enrollment,
 * first event): an instance can make itself older, never younger than its first contact.
 */
export function ageStartOf(doc: RegistryDocument): AgeStart {
  const launchProvenance = doc.kiln.provenance?.launch_time;
  if (doc.kiln.launch_time && (launchProvenance === 'attested' || launchProvenance === 'cloud-api')) {
    return { at: doc.kiln.launch_time, provenance: launchProvenance };
  }
  const candidates: AgeStart[] = [];
  if (doc.kiln.launch_time) candidates.push({ at: doc.kiln.launch_time, provenance: 'claimed' });
  if (doc.kiln.boot_time) candidates.push({ at: doc.kiln.boot_time, provenance: 'claimed' });
  if (doc.kiln.enrollment?.enrolled_at)
    candidates.push({ at: doc.kiln.enrollment.enrolled_at, provenance: 'collector' });
  candidates.push({ at: doc.kiln.first_seen, provenance: 'collector' });
  let earliest = candidates[0]!;
  for (const c of candidates) if (Date.parse(c.at) < Date.parse(earliest.at)) earliest = c;
  return earliest;
}

/** The instance's age at `nowMs`, from ageStartOf. */
export function instanceAgeMs(doc: RegistryDocument, nowMs: number): number {
  return nowMs - Date.parse(ageStartOf(doc).at);
}
