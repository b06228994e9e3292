/**
 * The fleet registry document: one per instance (`_id` = instance id) in `<prefix>-registry`.
 * Written by the collector's registry updater, read by `kiln fleet`, the policy engine,
 * `kiln images`, `kiln investigate` and the dashboards. ECS where ECS has a field, `kiln.*` else.
 */

/** Where an instance is in its life, as kiln sees it. */
export type InstanceStatus = 'running' | 'silent' | 'terminated' | 'replacing' | 'replaced';

/** Whether the instance still matches its baked baseline. */
export type DriftState = 'clean' | 'drifted' | 'unknown';

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
  };
}

/** The instance's age at `nowMs`: from launch time, else boot time, else first seen. */
export function instanceAgeMs(doc: RegistryDocument, nowMs: number): number {
  const start = doc.kiln.launch_time ?? doc.kiln.boot_time ?? doc.kiln.first_seen;
  return nowMs - Date.parse(start);
}
