/**
 * Capture (at bake time, inside the image) and check (on the running instance): both scan the
 * same roots with the same allowlist, so a check compares like with like.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../lib/errors.ts';
import { readAccounts } from './accounts.ts';
import { type Allowlist, compileAllowlist, defaultAllowlist } from './allowlist.ts';
import { compareState } from './compare.ts';
import { digestOf } from './digest.ts';
import { scanFiles } from './files.ts';
import type { HashCache, HashStats, ReadBudget } from './hash.ts';
import { readInstalledPackages } from './packages.ts';
import { type Baseline, baselineFormat, type Difference, type SystemState } from './types.ts';
import { readEnabledUnits } from './units.ts';

/** What to scan and how. */
export interface ScanSpec {
  /** Directory prefix of the system. Default `/`. */
  root?: string;
  roots: readonly string[];
  allowlist: Allowlist;
  /** dpkg database directory (real path). Default `<root>/var/lib/dpkg`. */
  dpkgAdminDir?: string;
  cache?: HashCache;
  budget?: ReadBudget;
  counters?: HashStats;
}

/** Scans files, packages, units, users, groups and authorized_keys. */
export async function scanSystem(spec: ScanSpec): Promise<SystemState> {
  const root = spec.root ?? '/';
  const files = await scanFiles({ ...spec, root });
  const [packages, units, accounts] = await Promise.all([
    readInstalledPackages({ root, ...(spec.dpkgAdminDir ? { dpkgAdminDir: spec.dpkgAdminDir } : {}) }),
    readEnabledUnits(root),
    readAccounts(root),
  ]);
  return { files, packages, units, ...accounts };
}

/** Capture settings. */
export interface CaptureOptions {
  root?: string;
  roots: readonly string[];
  /** Globs added to the built-in allowlist. */
  allowlist?: readonly string[];
  dpkgAdminDir?: string;
  nowMs: number;
  counters?: HashStats;
}

/** Captures a baseline with its digest. */
export async function captureBaseline(options: CaptureOptions): Promise<Baseline> {
  const roots = [...new Set(options.roots)].sort();
  const allowlist = compileAllowlist([...defaultAllowlist, ...(options.allowlist ?? [])]);
  const state = await scanSystem({ ...options, roots, allowlist });
  const body = {
    format: baselineFormat as typeof baselineFormat,
    roots,
    allowlist: [...allowlist.globs],
    ...state,
  };
  return { ...body, capturedAt: new Date(options.nowMs).toISOString(), digest: baselineDigest(body) };
}

/** The digest of a baseline: everything but `digest` and `capturedAt`. */
export function baselineDigest(
  baseline: Omit<Baseline, 'digest' | 'capturedAt'> & Partial<Baseline>,
): string {
  const { digest: _digest, capturedAt: _at, ...body } = baseline;
  return digestOf(body);
}

/** Check settings: where the system is, and the helpers of an incremental check. */
export type CheckOptions = Omit<ScanSpec, 'roots' | 'allowlist'> & { extraAllowlist?: readonly string[] };

/** Compares the running system with the baseline. */
export async function checkBaseline(baseline: Baseline, options: CheckOptions = {}): Promise<Difference[]> {
  const allowlist = compileAllowlist([...baseline.allowlist, ...(options.extraAllowlist ?? [])]);
  const current = await scanSystem({ ...options, roots: baseline.roots, allowlist });
  return compareState(baseline, current, allowlist);
}

/** Writes the baseline atomically (temp file, then rename), sorted keys for a readable diff. */
export async function writeBaselineFile(file: string, baseline: Baseline): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(sortKeys(baseline), null, 1)}\n`, { mode: 0o644 });
  await rename(tmp, file);
}

/** Reads a baseline and verifies its digest; a mismatch means it was edited or damaged. */
export async function readBaselineFile(file: string): Promise<Baseline> {
  let raw: Baseline;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as Baseline;
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new KilnError(
      'KILN_ERR_BASELINE',
      `cannot read the baseline ${file} (${why}); capture one with: kiln-agent baseline capture --out ${file}`,
      { cause: error },
    );
  }
  if (raw.format !== baselineFormat) {
    throw new KilnError(
      'KILN_ERR_BASELINE',
      `${file} is not a kiln baseline (format ${JSON.stringify(raw.format)}, expected ${baselineFormat}); capture it again with this kiln version`,
    );
  }
  const digest = baselineDigest(raw);
  if (digest !== raw.digest) {
    throw new KilnError(
      'KILN_ERR_BASELINE',
      `the baseline ${file} does not match its digest (recorded ${raw.digest}, computed ${digest}): it was changed after capture; rebake the image`,
    );
  }
  return raw;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
