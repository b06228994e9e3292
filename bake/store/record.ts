/**
 * The bake record: one document per bake (`_id` = bake id) in `<prefix>-bakes`, or one JSON file
 * in the local store. ECS where ECS has a field, `kiln.bake.*` else (mapping in
 * collector/storage/templates/families.ts). Locks share the index as `kiln.kind: bake_lock`.
 */
import type { InstanceRef } from '../lineage.ts';

/** Where a bake is. */
export type BakeStatus = 'running' | 'succeeded' | 'failed';

/** The `kiln.bake` object. */
export interface BakeFields {
  id: string;
  key: string;
  status: BakeStatus;
  started_at: string;
  finished_at?: string;
  duration_ms?: number;
  template: string;
  playbook?: string;
  source_image?: string;
  /** The bake whose artifact is this bake's source image. */
  parent_bake?: string;
  artifacts: string[];
  image_name?: string;
  image_version?: string;
  git_revision?: string;
  git_dirty?: boolean;
  packer_version?: string;
  ansible_version?: string;
  agent_version?: string;
  baseline_digest?: string;
  packages_digest?: string;
  failure_step?: string;
  failure_task?: string;
  failure_output?: string;
  inputs: Record<string, unknown>;
  manifest?: Record<string, unknown>;
  /** The whole baseline as captured in the image (stored, not indexed). */
  baseline?: Record<string, unknown>;
  /** Set when the image was marked bad in the fleet (see ImageMark): `kiln bake` warns before reusing it. */
  marked_bad?: { image_id: string; at: string; reason: string; decision_id: string };
}

/** A bake as stored. */
export interface BakeRecord {
  '@timestamp': string;
  message: string;
  event: { kind: 'event'; category: string[]; type: string[]; outcome: 'success' | 'failure' | 'unknown' };
  kiln: { kind: 'bake'; bake: BakeFields };
}

/** A lock on a bake key, held by the bake that runs it. */
export interface BakeLock {
  key: string;
  bakeId: string;
  acquiredAtMs: number;
}

/** Where bakes are recorded: Elasticsearch or a local directory. */
export interface BakeStore extends ImageMarkStore {
  /** Human description (`Elasticsearch http://…/kiln-bakes`, `/path/.kiln/bakes`). */
  readonly where: string;
  /** The latest successful bake with this key. */
  findSucceeded(key: string): Promise<BakeRecord | undefined>;
  /** Writes (or overwrites) the record of `record.kiln.bake.id`, visible to searches on return. */
  save(record: BakeRecord): Promise<void>;
  /** Every bake (or the newest `limit`), newest first. */
  list(limit?: number): Promise<BakeRecord[]>;
  /** Takes the lock of `key` if free (create-only); else returns who holds it. */
  tryLock(lock: BakeLock): Promise<{ acquired: true } | { acquired: false; holder: BakeLock }>;
  /** Removes the lock if `bakeId` still holds it. */
  unlock(key: string, bakeId: string): Promise<void>;
  /** The instances of the fleet registry, for lineage (none in a store without a registry). */
  instances(): Promise<InstanceRef[]>;
}

/** Builds a record from the bake's fields. */
export function bakeRecord(bake: BakeFields): BakeRecord {
  const outcome = bake.status === 'succeeded' ? 'success' : bake.status === 'failed' ? 'failure' : 'unknown';
  const what =
    bake.status === 'running'
      ? 'is running'
      : bake.status === 'succeeded'
        ? `succeeded: ${bake.artifacts.join(', ') || 'no artifacts'}`
        : `failed at ${bake.failure_step ?? 'an unknown step'}`;
  return {
    '@timestamp': bake.started_at,
    message: `bake ${bake.id} ${what}`,
    event: { kind: 'event', category: ['configuration'], type: ['creation'], outcome },
    kiln: { kind: 'bake', bake },
  };
}

/**
 * A mark on an image that failed in the fleet (`kiln.kind: image_mark`, `_id` = `image-mark-<image>`
 * in the bakes index, or a file in the local store). Created once (create-only), so two collectors
 * deciding the same image bad at once produce one mark, and only its creator rolls back.
 */
export interface ImageMark {
  image_id: string;
  state: 'bad';
  reason: string;
  marked_at: string;
  /** The audit decision that marked it (`kiln.decision.id` in the actions index). */
  decision_id: string;
  /** Who marked it: `policy <name>` or `kiln images rollback` and the user. */
  marked_by: string;
  /** The image the groups were pointed back to. */
  rollback_to?: string;
  /** Set once every group running it launches `rollback_to` again. */
  rolled_back_at?: string;
  groups?: string[];
  /** Bakes whose artifact it is (their records carry `kiln.bake.marked_bad`). */
  bake_ids?: string[];
}

/** What the store says when asked to mark an image. */
export type MarkResult = { created: true; mark: ImageMark } | { created: false; mark: ImageMark };

/** The image marks a store keeps (bad images), as an addition to BakeStore. */
export interface ImageMarkStore {
  /** Creates the mark unless one exists (create-only); marks the image's bake records. */
  markImageBad(mark: ImageMark): Promise<MarkResult>;
  /** Records the rollback's progress on an existing mark. */
  updateImageMark(imageId: string, patch: Partial<ImageMark>): Promise<void>;
  /** Every mark (paged). */
  imageMarks(): Promise<ImageMark[]>;
}
