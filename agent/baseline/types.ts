/**
 * The baseline document: what an image looked like when it was baked, and the differences a
 * check reports against it. One JSON file whose `digest` covers everything but itself and the
 * capture time, so the same content always has the same digest.
 */

/** The format marker of the baseline file (a header line, sorted entry lines, a trailer line). */
export const baselineFormat = 'kiln-baseline/2';

/** The format of baselines written by kiln up to 0.1.0 (one JSON document); still read. */
export const legacyBaselineFormat = 'kiln-baseline/1';

/** What kind of file-system entry. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** One file-system entry. Mode is the permission bits in octal (`0755`), owner/group numeric ids. */
export interface FileEntry {
  /** The logical path (`/usr/bin/env`). */
  path: string;
  type: EntryType;
  mode: string;
  owner: number;
  group: number;
  /** Regular files only. */
  size?: number;
  /** The inode number (absent in baselines of format 1). */
  ino?: number;
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

/** The small sections of a baseline, kept whole in its header line (the files are streamed). */
export interface BaselineHeader {
  format: typeof baselineFormat;
  /** The configured roots (globs like `/lib*` and symlinked roots are resolved at each walk). */
  roots: string[];
  /** Globs of paths and subjects that are not watched (expected to change on a fresh instance). */
  allowlist: string[];
  /** Keyed by `name:arch`. */
  packages: Record<string, PackageEntry>;
  /** Enabled systemd units, keyed by their wants/requires link (`multi-user.target.wants/ssh.service`), value the link target. */
  units: Record<string, string>;
  users: Record<string, UserEntry>;
  groups: Record<string, GroupEntry>;
  /** Keyed by path. */
  authorizedKeys: Record<string, AuthorizedKeysEntry>;
  /** Kernel modules the image ships (files named `*.ko*` under `/lib/modules`, and `modules.builtin`), names with `_`. */
  modules: string[];
}

/** A baseline as read: its header, digest, capture time and entry count (entries are streamed). */
export interface BaselineInfo {
  file: string;
  header: BaselineHeader;
  /** `sha256:<hex>` over the header and entry lines (not the capture time). */
  digest: string;
  capturedAt: string;
  entries: number;
  /** Set when the file is format 1 (converted on read). */
  legacy?: true;
}

/** The part of the baseline besides files that a scan of the running system produces. */
export type SystemState = Pick<BaselineHeader, 'packages' | 'units' | 'users' | 'groups' | 'authorizedKeys'>;

/** What kind of thing differs. */
export type DriftCategory =
  | 'file'
  | 'package'
  | 'unit'
  | 'user'
  | 'group'
  | 'authorized_keys'
  | 'module'
  | 'socket'
  | 'package_file';

/** One difference between the baseline and the running system. */
export interface Difference {
  change: 'added' | 'removed' | 'changed';
  category: DriftCategory;
  /** The path, or the package/unit/user/group name. */
  path: string;
  /** For `changed`: the attribute that differs (mode, owner, inode, sha256, version, md5, …). */
  attribute?: string;
  before?: string;
  after?: string;
}
