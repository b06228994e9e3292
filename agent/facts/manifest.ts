/**
 * The image manifest kiln bakes at `/etc/kiln/image.json`. A missing manifest means the image was
 * not baked by kiln: reported as `kiln.facts.baked: false`, never fatal. Keys are read in
 * camelCase or snake_case so the bake side and hand-written manifests both work.
 */
import { readFile } from 'node:fs/promises';
import { KilnError } from '../../lib/errors.ts';

/** What the manifest tells about the image. */
export interface ImageManifest {
  bakeId?: string;
  name?: string;
  version?: string;
  parent?: string;
  builtAt?: string;
  gitRevision?: string;
  gitDirty?: boolean;
  baselineDigest?: string;
  packagesDigest?: string;
  bakeKey?: string;
  /** The application units the bake config named (`agent.afterUnits`): the journald source reads them. */
  applicationUnits?: string[];
}

/** The manifest, or `baked: false` when there is none. */
export type ManifestFacts = { baked: true; manifest: ImageManifest } | { baked: false };

const stringKeys: Array<[keyof ImageManifest, string[]]> = [
  ['bakeId', ['bakeId', 'bake_id']],
  ['name', ['imageName', 'image_name', 'name']],
  ['version', ['imageVersion', 'image_version', 'version']],
  ['parent', ['parentImage', 'parent_image', 'parent']],
  ['builtAt', ['builtAt', 'built_at']],
  ['gitRevision', ['gitRevision', 'git_revision']],
  ['baselineDigest', ['baselineDigest', 'baseline_digest']],
  ['packagesDigest', ['packagesDigest', 'packages_digest']],
  ['bakeKey', ['bakeKey', 'bake_key']],
];

/** Reads the manifest; a missing file is "not baked", an unreadable one a KILN_ERR_AGENT. */
export async function readImageManifest(file: string): Promise<ManifestFacts> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { baked: false };
    throw new KilnError(
      'KILN_ERR_AGENT',
      `cannot read the image manifest ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    return { baked: true, manifest: parseImageManifest(JSON.parse(text)) };
  } catch (error) {
    throw new KilnError(
      'KILN_ERR_AGENT',
      `the image manifest ${file} is not valid JSON (${(error as Error).message}); rebake the image or remove the file`,
      { cause: error },
    );
  }
}

/** Picks the known keys of a parsed manifest, ignoring the rest. */
export function parseImageManifest(raw: unknown): ImageManifest {
  const doc = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const manifest: ImageManifest = {};
  for (const [key, names] of stringKeys) {
    const value = names.map((n) => doc[n]).find((v) => typeof v === 'string' && v !== '');
    if (typeof value === 'string') (manifest as Record<string, unknown>)[key] = value;
  }
  const units = doc.applicationUnits ?? doc.application_units;
  if (Array.isArray(units))
    manifest.applicationUnits = units.filter((u): u is string => typeof u === 'string' && u !== '');
  const dirty = doc.gitDirty ?? doc.git_dirty;
  if (typeof dirty === 'boolean') manifest.gitDirty = dirty;
  return manifest;
}
