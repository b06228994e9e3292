/**
 * The baseline document: what an image looked like when it was baked, and the differences a
 * check reports against it. One JSON file whose `digest` covers everything but itself and the
 * capture time, so the same content always has the same digest.
 */

/** The format marker of the baseline file. */
export const baselineFormat = 'kiln-baseline/1';

/** What kind of file-system entry. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** One file-system entry. Mode is the permission bits in octal (`0755`), owner/group numeric ids. */
export interface FileEntry {
  type: EntryType;
  mode: string;
  owner: number;
  group: number;
  /** Regular files only. */
  size?: number;
  /** Regular files only: `sha256` hex of the content. */
  sha256?: string;
  /** Symlinks only: the link target as stored (not followed). */
  target?: string;
}

/** An installed package. */
export interface PackageEntry {
  name: string;
  version: string;
  arch: string;
  /** Which database it came from. */
  manager: 'dpkg' | 'rpm';
}

/** A local user (from passwd). */
export interface UserEntry {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** A local group (from group). */
export interface GroupEntry {
  gid: number;
  members: string[];
}

/** An authorized_keys file. */
export interface AuthorizedKeysEntry {
  sha256: string;
  /** The keys it authorizes, as `type comment` (never the key material). */
  keys: string[];
}

/** The whole baseline. */
export interface Baseline {
  format: typeof baselineFormat;
  /** `sha256:<hex>` over the canonical JSON of everything except `digest` and `capturedAt`. */
  digest: string;
  capturedAt: string;
  roots: string[];
  /** Globs of paths and subjects that are not watched (expected to change on a fresh instance). */
  allowlist: string[];
  files: Record<string, FileEntry>;
  /** Keyed by `name:arch`. */
  packages: Record<string, PackageEntry>;
  /** Enabled systemd units, keyed by their wants/requires link (`multi-user.target.wants/ssh.service`), value the link target. */
  units: Record<string, string>;
  users: Record<string, UserEntry>;
  groups: Record<string, GroupEntry>;
  /** Keyed by path. */
  authorizedKeys: Record<string, AuthorizedKeysEntry>;
}

/** The part of the baseline a scan of the running system produces. */
export type SystemState = Pick<
  Baseline,
  'files' | 'packages' | 'units' | 'users' | 'groups' | 'authorizedKeys'
>;

/** What kind of thing differs. */
export type DriftCategory = 'file' | 'package' | 'unit' | 'user' | 'group' | 'authorized_keys';

/** One difference between the baseline and the running system. */
export interface Difference {
  change: 'added' | 'removed' | 'changed';
  category: DriftCategory;
  /** The path, or the package/unit/user/group name. */
  path: string;
  /** For `changed`: the attribute that differs (mode, owner, sha256, version, …). */
  attribute?: string;
  before?: string;
  after?: string;
}
