/**
 * The bake key: a content hash of every input that shapes the image, so two bakes with the same
 * key make the same image and the second can reuse the first. Rosco's users found keys that left
 * inputs out (and reused stale images); this one covers the template, variables and var files,
 * the whole playbook tree, the pinned role and collection versions, the agent (version and
 * executable's hash), its config and install options, and the source image.
 */
import { createHash } from 'node:crypto';

/** A file's path (relative to its tree) and content hash. */
export interface HashedFile {
  path: string;
  sha256: string;
}

/** A Galaxy requirement: a role or collection with its version (`unpinned` when none is given). */
export interface Requirement {
  kind: 'role' | 'collection';
  name: string;
  version: string;
}

/** Everything the key covers. */
export interface BakeInputs {
  template: HashedFile;
  variables: Record<string, string>;
  varFiles: HashedFile[];
  playbook?: { entry: string; tree: HashedFile[] };
  requirements: Requirement[];
  agent: {
    version: string;
    executableSha256: string;
    /** The drift change feed installed beside it, when there is one. */
    driftFeedSha256?: string;
    configSha256: string;
    arch: 'x64' | 'arm64';
    heapMiB: number;
    memoryMaxMiB: number;
    afterUnits: string[];
  };
  sourceImage?: string;
  /** Install options that change the image. */
  options: {
    imageRoot: string;
    securityUpdates: boolean;
    ansibleArguments: string[];
    imageName?: string;
    imageVersion?: string;
  };
}

/** The key: `sha256` hex of the canonical JSON of the inputs. */
export function bakeKey(inputs: BakeInputs): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}

/** JSON with object keys sorted at every level, so equal inputs give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Roles and collections from a Galaxy requirements file: either a list of roles, or
 * `{ roles: [...], collections: [...] }`; entries are names or `{ name|src, version }`.
 * https://docs.ansible.com/ansible/latest/galaxy/user_guide.html#installing-multiple-roles-from-a-file
 */
export function parseRequirements(raw: unknown): Requirement[] {
  const out: Requirement[] = [];
  const add = (kind: Requirement['kind'], entry: unknown) => {
    if (typeof entry === 'string') out.push({ kind, name: entry, version: 'unpinned' });
    else if (entry && typeof entry === 'object') {
      const e = entry as Record<string, unknown>;
      const name = String(e.name ?? e.src ?? '');
      if (name) out.push({ kind, name, version: e.version === undefined ? 'unpinned' : String(e.version) });
    }
  };
  if (Array.isArray(raw)) for (const e of raw) add('role', e);
  else if (raw && typeof raw === 'object') {
    const doc = raw as { roles?: unknown; collections?: unknown };
    if (Array.isArray(doc.roles)) for (const e of doc.roles) add('role', e);
    if (Array.isArray(doc.collections)) for (const e of doc.collections) add('collection', e);
  }
  return out.sort((a, b) => `${a.kind}:${a.name}`.localeCompare(`${b.kind}:${b.name}`));
}
