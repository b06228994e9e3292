/**
 * Image health (pure): per image, from the registry documents of its instances, their agent
 * starts (lifecycle) and the error lines they logged, how its instances fared — launched, still
 * running, silent soon after boot, crash-looping agents, drifted, terminated early, error lines
 * per instance-hour — each with the counts behind it, and compared with the image it replaced.
 * No I/O, no clock (`nowMs` is given): table-tested.
 */
import { ageStartOf, type RegistryDocument } from '../../lib/fleet.ts';

/** What counts as failing, with defaults. */
export interface HealthOptions {
  /** Silent (no heartbeat) and last heard within this long of its start. Default 15 minutes. */
  silentWithinMs: number;
  /** Terminated (or replaced) within this long of its start. Default 1 hour. */
  terminatedWithinMs: number;
  /** Agent restarts within one boot that make a crash loop. Default 3. */
  crashLoopRestarts: number;
}

/** The defaults of HealthOptions. */
export const defaultHealthOptions: HealthOptions = {
  silentWithinMs: 15 * 60_000,
  terminatedWithinMs: 60 * 60_000,
  crashLoopRestarts: 3,
};

/** A share with what it is made of. */
export interface Share {
  count: number;
  of: number;
  /** count / of, 0 when of is 0. */
  share: number;
}

/** The counts of one image. */
export interface HealthCounts {
  launched: number;
  running: number;
  silentEarly: number;
  /** Agent restarts (starts beyond the first in a boot), summed over its instances. */
  agentRestarts: number;
  crashLooping: number;
  drifted: number;
  terminatedEarly: number;
  errorLines: number;
  instanceHours: number;
}

/** The rates of one image, each with its counts. */
export interface HealthRates {
  silentEarly: Share;
  crashLooping: Share;
  drifted: Share;
  terminatedEarly: Share;
  errorLinesPerInstanceHour: { count: number; instanceHours: number; rate: number };
}

/** One image's health. */
export interface ImageHealth {
  imageId: string;
  groups: string[];
  firstLaunch?: string;
  /** The instances that went silent soon after boot (ids, sorted). */
  silentEarlyInstances: string[];
  counts: HealthCounts;
  rates: HealthRates;
  /** The image it replaced: its parent in the bake lineage, else the previous image of its group. */
  baseline?: { imageId: string; via: 'lineage' | 'group'; counts: HealthCounts; rates: HealthRates };
}

/** What the health computation reads. */
export interface HealthInputs {
  instances: readonly RegistryDocument[];
  /** Agent starts per instance and boot: instance id → (boot id → starts). */
  agentStarts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Error lines per image id. */
  errorLines: ReadonlyMap<string, number>;
  /** image id → the image it was baked from (lineage: the bake's source image). */
  parents: ReadonlyMap<string, string>;
}

/** The image id of a registry document (attested `cloud.image.id`, else `host.image.id`). */
export function imageOf(doc: RegistryDocument): string | undefined {
  return doc.cloud.image?.id ?? doc.host?.image?.id;
}

function share(count: number, of: number): Share {
  return { count, of, share: of > 0 ? round(count / of) : 0 };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** When an instance stopped being heard from (now when it is still running). */
function endMs(doc: RegistryDocument, nowMs: number): number {
  if (doc.kiln.status === 'running') return nowMs;
  return Date.parse(doc.kiln.shutdown?.at ?? doc.kiln.last_seen);
}

/** Status before a kiln replacement, when kiln replaced it (silent stays silent in the counts). */
function statusBeforeKiln(doc: RegistryDocument): string {
  const r = doc.kiln.replacement as { previous_status?: string } | undefined;
  if ((doc.kiln.status === 'replacing' || doc.kiln.status === 'replaced') && r?.previous_status)
    return r.previous_status;
  return doc.kiln.status;
}

/** True when the instance went quiet within `silentWithinMs` of its start and never spoke again. */
export function silentSoonAfterBoot(doc: RegistryDocument, silentWithinMs: number): boolean {
  if (statusBeforeKiln(doc) !== 'silent') return false;
  return Date.parse(doc.kiln.last_seen) - Date.parse(ageStartOf(doc).at) <= silentWithinMs;
}

function countsOf(
  docs: readonly RegistryDocument[],
  inputs: HealthInputs,
  imageId: string,
  options: HealthOptions,
  nowMs: number,
): { counts: HealthCounts; silent: string[] } {
  const silent: string[] = [];
  const counts: HealthCounts = {
    launched: docs.length,
    running: 0,
    silentEarly: 0,
    agentRestarts: 0,
    crashLooping: 0,
    drifted: 0,
    terminatedEarly: 0,
    errorLines: inputs.errorLines.get(imageId) ?? 0,
    instanceHours: 0,
  };
  let lifeMs = 0;
  for (const doc of docs) {
    const id = doc.cloud.instance.id;
    const start = Date.parse(ageStartOf(doc).at);
    const end = endMs(doc, nowMs);
    lifeMs += Math.max(0, end - start);
    if (doc.kiln.status === 'running') counts.running += 1;
    if (silentSoonAfterBoot(doc, options.silentWithinMs)) {
      counts.silentEarly += 1;
      silent.push(id);
    }
    if (doc.kiln.drift.state === 'drifted') counts.drifted += 1;
    const gone = doc.kiln.status === 'terminated' || doc.kiln.status === 'replaced';
    if (gone && end - start <= options.terminatedWithinMs) counts.terminatedEarly += 1;
    let worst = 0;
    for (const starts of inputs.agentStarts.get(id)?.values() ?? []) {
      const restarts = Math.max(0, starts - 1);
      counts.agentRestarts += restarts;
      worst = Math.max(worst, restarts);
    }
    if (worst >= options.crashLoopRestarts) counts.crashLooping += 1;
  }
  counts.instanceHours = round(lifeMs / 3_600_000);
  return { counts, silent: silent.sort() };
}

function ratesOf(c: HealthCounts): HealthRates {
  return {
    silentEarly: share(c.silentEarly, c.launched),
    crashLooping: share(c.crashLooping, c.launched),
    drifted: share(c.drifted, c.launched),
    terminatedEarly: share(c.terminatedEarly, c.launched),
    errorLinesPerInstanceHour: {
      count: c.errorLines,
      instanceHours: c.instanceHours,
      rate: c.instanceHours > 0 ? round(c.errorLines / c.instanceHours) : 0,
    },
  };
}

/**
 * Every image's health, newest first launch first, each compared with the image it replaced:
 * its lineage parent when that image has instances, else the image of the same group whose first
 * instance launched last before this image's first.
 */
export function computeImageHealth(
  inputs: HealthInputs,
  nowMs: number,
  options: HealthOptions = defaultHealthOptions,
): ImageHealth[] {
  const byImage = new Map<string, RegistryDocument[]>();
  for (const doc of inputs.instances) {
    const image = imageOf(doc);
    if (!image) continue;
    const list = byImage.get(image);
    if (list) list.push(doc);
    else byImage.set(image, [doc]);
  }
  const base = new Map<string, Omit<ImageHealth, 'baseline'>>();
  for (const [imageId, docs] of byImage) {
    const { counts, silent } = countsOf(docs, inputs, imageId, options, nowMs);
    const starts = docs.map((d) => ageStartOf(d).at).sort();
    const groups = [...new Set(docs.map((d) => d.kiln.group).filter((g): g is string => Boolean(g)))].sort();
    base.set(imageId, {
      imageId,
      groups,
      ...(starts[0] ? { firstLaunch: starts[0] } : {}),
      silentEarlyInstances: silent,
      counts,
      rates: ratesOf(counts),
    });
  }
  const all = [...base.values()];
  return all
    .map((h): ImageHealth => {
      const found = baselineOf(h, all, inputs.parents);
      if (!found) return h;
      const b = base.get(found.imageId)!;
      return { ...h, baseline: { imageId: found.imageId, via: found.via, counts: b.counts, rates: b.rates } };
    })
    .sort(
      (a, b) => (b.firstLaunch ?? '').localeCompare(a.firstLaunch ?? '') || (a.imageId < b.imageId ? -1 : 1),
    );
}

/** The image `h` replaced (see computeImageHealth), or undefined. */
export function baselineOf(
  h: Pick<ImageHealth, 'imageId' | 'groups' | 'firstLaunch'>,
  all: readonly Pick<ImageHealth, 'imageId' | 'groups' | 'firstLaunch'>[],
  parents: ReadonlyMap<string, string>,
): { imageId: string; via: 'lineage' | 'group' } | undefined {
  const parent = parents.get(h.imageId);
  if (parent && parent !== h.imageId && all.some((o) => o.imageId === parent))
    return { imageId: parent, via: 'lineage' };
  if (!h.firstLaunch) return undefined;
  const earlier = all
    .filter(
      (o) =>
        o.imageId !== h.imageId &&
        o.firstLaunch !== undefined &&
        o.firstLaunch < h.firstLaunch! &&
        o.groups.some((g) => h.groups.includes(g)),
    )
    .sort((a, b) => b.firstLaunch!.localeCompare(a.firstLaunch!))[0];
  return earlier ? { imageId: earlier.imageId, via: 'group' } : undefined;
}
