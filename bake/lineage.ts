/**
 * Image lineage: which bake made which image from which parent image, and which instances run
 * it (from the fleet registry: `cloud.image.id` or `kiln.bake.id`). Pure.
 */
import type { BakeRecord } from './store/record.ts';

/** The part of a registry document lineage needs (lib/fleet.ts). */
export interface InstanceRef {
  instanceId: string;
  imageId?: string;
  bakeId?: string;
  status?: string;
}

/** One line of `kiln images`. */
export interface ImageRow {
  bakeId: string;
  status: string;
  key: string;
  startedAt: string;
  durationMs?: number;
  sourceImage?: string;
  parentBake?: string;
  artifacts: string[];
  /** Instances running an artifact of this bake. */
  instances: string[];
  /** Nesting depth in the lineage (0 for a bake whose parent was not baked by kiln). */
  depth: number;
  imageName?: string;
  imageVersion?: string;
  /** Set when the fleet marked the image bad (onBadImage, kiln images rollback): do not deploy or bake from it. */
  markedBad?: { imageId: string; at: string; reason: string };
}

/** `ami-1` for `us-east-1:ami-1`; ids without a region stay as they are. */
export function bareImageId(id: string): string {
  return id.slice(id.lastIndexOf(':') + 1);
}

/** The latest successful bake one of whose artifacts is `sourceImage`. */
export function findParentBake(
  records: readonly BakeRecord[],
  sourceImage: string | undefined,
): string | undefined {
  if (!sourceImage) return undefined;
  const wanted = bareImageId(sourceImage);
  return records.find(
    (r) => r.kiln.bake.status === 'succeeded' && r.kiln.bake.artifacts.some((a) => bareImageId(a) === wanted),
  )?.kiln.bake.id;
}

/** Rows for `kiln images`, newest first, with each bake's instances and lineage depth. */
export function imageRows(records: readonly BakeRecord[], instances: readonly InstanceRef[]): ImageRow[] {
  const byId = new Map(records.map((r) => [r.kiln.bake.id, r]));
  const depthOf = (id: string | undefined, seen = new Set<string>()): number => {
    const parent = id ? byId.get(id)?.kiln.bake.parent_bake : undefined;
    if (!id || !parent || seen.has(parent) || !byId.has(parent)) return 0;
    seen.add(id);
    return 1 + depthOf(parent, seen);
  };
  return records.map((r) => {
    const bake = r.kiln.bake;
    const images = new Set(bake.artifacts.map(bareImageId));
    const running = instances
      .filter((i) => i.bakeId === bake.id || (i.imageId !== undefined && images.has(bareImageId(i.imageId))))
      .map((i) => i.instanceId)
      .sort();
    const row: ImageRow = {
      bakeId: bake.id,
      status: bake.status,
      key: bake.key,
      startedAt: bake.started_at,
      artifacts: bake.artifacts,
      instances: running,
      depth: depthOf(bake.id),
    };
    if (bake.duration_ms !== undefined) row.durationMs = bake.duration_ms;
    if (bake.source_image) row.sourceImage = bake.source_image;
    if (bake.parent_bake) row.parentBake = bake.parent_bake;
    if (bake.image_name) row.imageName = bake.image_name;
    if (bake.image_version) row.imageVersion = bake.image_version;
    if (bake.marked_bad)
      row.markedBad = {
        imageId: bake.marked_bad.image_id,
        at: bake.marked_bad.at,
        reason: bake.marked_bad.reason,
      };
    return row;
  });
}

/** The warning `kiln bake` prints when its source image was marked bad in the fleet, or undefined. */
export function badParentWarning(
  marks: readonly { image_id: string; marked_at: string; marked_by: string; reason: string }[],
  sourceImage: string | undefined,
): string | undefined {
  if (!sourceImage) return undefined;
  const mark = marks.find((m) => bareImageId(m.image_id) === bareImageId(sourceImage));
  if (!mark) return undefined;
  return `the source image ${sourceImage} was marked bad at ${mark.marked_at} (${mark.marked_by}: ${mark.reason}); an image baked from it inherits what made it fail — bake from its predecessor unless you know the cause is fixed`;
}
