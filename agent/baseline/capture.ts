/**
 * Capture (at bake time, inside the image) and check (on the running instance): both walk the
 * same roots with the same allowlist, so a check compares like with like. The file part is
 * streamed end to end (walk → hash pool → baseline file, or → merge with the baseline's
 * entries); the rest (packages, units, accounts, modules, sockets, package files) is small.
 */
import path from 'node:path';
import { readAccounts } from './accounts.ts';
import { type Allowlist, compileAllowlist, defaultAllowlist } from './allowlist.ts';
import { BaselineWriter, baselineStream } from './baseline-file.ts';
import { compareState, subjectName } from './compare.ts';
import { HashPool } from './hash-pool.ts';
import { allowlistFilter, entriesAsTheyAre, mergeCompare } from './merge.ts';
import { compareModules, imageModules, readLoadedModules } from './modules.ts';
import { packageFileDifferences, verifyPackageFiles } from './package-verify.ts';
import { readInstalledPackages } from './packages.ts';
import {
  type HashStats,
  hashEntries,
  type ReadBudget,
  type StatCacheReader,
  type StatCacheWriter,
} from './scan.ts';
import { compareSockets, readListeningSockets, type SocketSet } from './sockets.ts';
import {
  type BaselineHeader,
  type BaselineInfo,
  baselineFormat,
  type Difference,
  type SystemState,
} from './types.ts';
import { readEnabledUnits } from './units.ts';
import { walkTree } from './walk.ts';

/** Where the system is and how hard to work. */
export interface ScanSpec {
  /** Directory prefix of the system. Default `/`. */
  root?: string;
  /** dpkg database directory (real path). Default `<root>/var/lib/dpkg`. */
  dpkgAdminDir?: string;
  /** Hashing threads; 0 (the default) hashes on the calling thread (hash-pool.ts). */
  jobs?: number;
  budget?: ReadBudget;
  counters?: HashStats;
}

/** Reads packages, units, users, groups and authorized_keys. */
export async function scanState(root: string, dpkgAdminDir?: string): Promise<SystemState> {
  const [packages, units, accounts] = await Promise.all([
    readInstalledPackages({ root, ...(dpkgAdminDir ? { dpkgAdminDir } : {}) }),
    readEnabledUnits(root),
    readAccounts(root),
  ]);
  return { packages, units, ...accounts };
}

/** Capture settings. */
export interface CaptureOptions extends ScanSpec {
  roots: readonly string[];
  /** Globs added to the built-in allowlist. */
  allowlist?: readonly string[];
  nowMs: number;
  /** The baseline file to write (`.gz`: gzip'ed). */
  out: string;
}

const adminDirOf = (root: string, given?: string) => given ?? path.join(root, 'var/lib/dpkg');

/** Captures a baseline into `out`; returns what openBaseline would. */
export async function captureBaseline(options: CaptureOptions): Promise<BaselineInfo> {
  const root = options.root ?? '/';
  const roots = [...new Set(options.roots)].sort();
  const allowlist = compileAllowlist([...defaultAllowlist, ...(options.allowlist ?? [])]);
  const [state, modules] = await Promise.all([scanState(root, options.dpkgAdminDir), imageModules(root)]);
  const header: BaselineHeader = {
    format: baselineFormat,
    roots,
    allowlist: [...allowlist.globs],
    ...state,
    modules,
  };
  const pool = new HashPool(options.jobs);
  const writer = await BaselineWriter.create(options.out, header);
  try {
    const walked = walkTree({ root, roots, allowlist });
    for await (const batch of hashEntries(walked, { pool, ...helpers(options) }))
      for (const e of batch) {
        const added = writer.add(e);
        if (added) await added;
      }
    const capturedAt = new Date(options.nowMs).toISOString();
    const { digest, entries } = await writer.finish(capturedAt);
    return { file: options.out, header, digest, capturedAt, entries };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    await pool.close();
  }
}

function helpers(o: ScanSpec & { cache?: StatCacheReader; nextCache?: StatCacheWriter }) {
  return {
    ...(o.budget ? { budget: o.budget } : {}),
    ...(o.counters ? { counters: o.counters } : {}),
    ...(o.cache ? { cache: o.cache } : {}),
    ...(o.nextCache ? { nextCache: o.nextCache } : {}),
  };
}

/** Check settings: where the system is, and the helpers of an incremental check. */
export interface CheckOptions extends ScanSpec {
  extraAllowlist?: readonly string[];
  /** The stat cache of the previous check (absent: a full check, every file hashed). */
  cache?: StatCacheReader;
  /** Receives the stat cache for the next check. */
  nextCache?: StatCacheWriter;
  /** Where `modules` and `net/*` are read. Default `/proc`. */
  procDir?: string;
  /** The listening sockets seen at first boot; without it sockets are read but not compared. */
  socketsAtFirstBoot?: SocketSet;
}

/** What a check found. */
export interface CheckResult {
  /** Files first (walk order), then packages, units, accounts, modules, sockets, package files. */
  differences: Difference[];
  /** The sockets listening now (the first boot's reference when there is none yet). */
  sockets: SocketSet;
}

/** Compares the running system with the baseline. */
export async function checkBaseline(info: BaselineInfo, options: CheckOptions = {}): Promise<CheckResult> {
  const root = options.root ?? '/';
  const { header } = info;
  const allowlist: Allowlist = compileAllowlist([...header.allowlist, ...(options.extraAllowlist ?? [])]);
  const pool = new HashPool(options.jobs);
  try {
    const walked = walkTree({ root, roots: header.roots, allowlist });
    const live = hashEntries(walked, { pool, ...helpers(options) });
    const files: Difference[] = [];
    const changed = new Set<string>();
    for await (const d of mergeCompare(
      baselineStream(info, allowlistFilter(allowlist)),
      entriesAsTheyAre(live),
    )) {
      files.push(d);
      if (contentChanged(d)) changed.add(d.path);
    }
    const { others, sockets } = await otherDifferences(info, options, { allowlist, changed, pool });
    return { differences: [...files, ...others], sockets };
  } finally {
    await pool.close();
  }
}

/** The file comparison's outcome the other categories need, and the pool that hashed it. */
interface FileOutcome {
  allowlist: Allowlist;
  /** Paths added or whose content or type changed: package files among them are verified. */
  changed: ReadonlySet<string>;
  pool: HashPool;
}

/**
 * Every difference but the files': packages, units, accounts, modules, sockets, package files
 * (small: read whole at every check, the full one or one of the change feed's paths).
 */
export async function otherDifferences(
  info: BaselineInfo,
  options: CheckOptions,
  { allowlist, changed, pool }: FileOutcome,
): Promise<{ others: Difference[]; sockets: SocketSet }> {
  const root = options.root ?? '/';
  const { header } = info;
  const procDir = options.procDir ?? '/proc';
  const [state, loaded, sockets, mismatches] = await Promise.all([
    scanState(root, options.dpkgAdminDir),
    readLoadedModules(procDir),
    readListeningSockets(procDir),
    verifyPackageFiles({
      root,
      adminDir: adminDirOf(root, options.dpkgAdminDir),
      changed,
      pool,
      ...(options.budget ? { budget: options.budget } : {}),
    }),
  ]);
  const others = [
    ...compareState(header, state, allowlist),
    ...(info.legacy ? [] : compareModules(header.modules, loaded)),
    ...(options.socketsAtFirstBoot ? compareSockets(options.socketsAtFirstBoot, sockets) : []),
    ...packageFileDifferences(mismatches),
  ].filter((d) => !allowlist.allows(d.category, subjectName(d)));
  return { others, sockets };
}

/** Whether a check difference says a file's content is not the baseline's (added, sha256, type). */
export const contentChanged = (d: Difference) =>
  d.category === 'file' && (d.change === 'added' || d.attribute === 'sha256' || d.attribute === 'type');
