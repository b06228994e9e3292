/**
 * What `kiln-agent baseline capture|check|show` do (and `kiln agent baseline …`); the command
 * module loads this only when a command runs, so `--help` stays fast.
 */
import path from 'node:path';
import { driftSeverity } from '../../lib/drift-severity.ts';
import { type AgentConfig, agentConfigSchema, loadAgentConfig } from '../config.ts';
import { checkWithCache } from '../drift/incremental.ts';
import { StatCacheFile } from '../drift/stat-cache.ts';
import { baselineEntries, openBaseline } from './baseline-file.ts';
import { captureBaseline } from './capture.ts';
import { describeFile } from './merge.ts';
import type { HashStats } from './scan.ts';
import type { Difference, FileEntry } from './types.ts';

type DriftSettings = AgentConfig['drift'];

/** The drift settings of a config file, or the defaults. */
export function driftSettings(configFile: string | undefined): DriftSettings {
  return configFile ? loadAgentConfig(configFile).drift : agentConfigSchema.shape.drift.parse(undefined);
}

/** The logical path (inside the system under `root`) of a real path, when it lies under it. */
export function logicalPathOf(root: string, realPath: string): string | undefined {
  const abs = path.resolve(realPath);
  if (root === '/') return abs;
  const base = path.resolve(root);
  return abs.startsWith(`${base}/`) ? abs.slice(base.length) : undefined;
}

/** One line per difference: `changed file /etc/x mode: 0644 -> 0600 [high]`. */
export function formatDifference(d: Difference): string {
  const head = `${d.change} ${d.category} ${d.path}`;
  const body =
    d.change === 'changed'
      ? `${head} ${d.attribute}: ${d.before} -> ${d.after}`
      : `${head} (${d.change === 'added' ? d.after : d.before})`;
  return `${body} [${driftSeverity(d)}]`;
}

/** Flags of capture. */
export interface CaptureFlags {
  out?: string;
  root: string;
  config?: string;
  admindir?: string;
  jobs?: number;
}

/** Captures; prints the digest on stdout and a summary on stderr. */
export async function runCapture(flags: CaptureFlags): Promise<number> {
  const drift = driftSettings(flags.config);
  const root = path.resolve(flags.root);
  const out = flags.out ? path.resolve(flags.out) : path.join(root, drift.baselinePath);
  const outLogical = logicalPathOf(root, out);
  const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
  const captured = await captureBaseline({
    root,
    roots: [...drift.roots, ...drift.extraRoots],
    allowlist: [...drift.allowlist, ...(outLogical ? [outLogical] : [])],
    ...(flags.admindir ? { dpkgAdminDir: path.resolve(flags.admindir) } : {}),
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    nowMs: Date.now(),
    counters,
    out,
  });
  const h = captured.header;
  process.stderr.write(
    `baseline written to ${out}: ${captured.entries} entries (${counters.hashed} files hashed), ` +
      `${Object.keys(h.packages).length} packages, ${Object.keys(h.units).length} enabled units, ` +
      `${Object.keys(h.users).length} users, ${Object.keys(h.authorizedKeys).length} authorized_keys files, ` +
      `${h.modules.length} kernel modules\n`,
  );
  process.stdout.write(`${captured.digest}\n`);
  return 0;
}

/** Flags of check. */
export interface CheckFlags {
  baseline?: string;
  root: string;
  config?: string;
  admindir?: string;
  cache?: string;
  full?: boolean;
  jobs?: number;
  proc?: string;
  json?: boolean;
}

/** Checks; exit 0 clean, 3 drifted. */
export async function runCheck(flags: CheckFlags): Promise<number> {
  const drift = driftSettings(flags.config);
  const root = path.resolve(flags.root);
  const file = flags.baseline ? path.resolve(flags.baseline) : path.join(root, drift.baselinePath);
  // Verified by the check's own pass over the baseline, which throws before anything is printed.
  const info = await openBaseline(file, { verify: 'while-reading' });
  const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
  const { differences, full } = await checkWithCache(info, {
    root,
    extraAllowlist: drift.allowlist,
    ...(flags.admindir ? { dpkgAdminDir: path.resolve(flags.admindir) } : {}),
    ...(flags.cache ? { cacheFile: new StatCacheFile(path.resolve(flags.cache)) } : {}),
    ...(flags.full ? { fullCheckIntervalMs: 0 } : {}),
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    ...(flags.proc ? { procDir: path.resolve(flags.proc) } : {}),
    nowMs: Date.now(),
    counters,
  });
  const drifted = differences.length > 0;
  if (flags.json) {
    const withSeverity = differences.map((d) => ({ ...d, severity: driftSeverity(d) }));
    const check = { full, hashed: counters.hashed, cached: counters.cached };
    process.stdout.write(
      `${JSON.stringify({ baseline: file, digest: info.digest, status: drifted ? 'drifted' : 'clean', check, differences: withSeverity }, null, 2)}\n`,
    );
  } else {
    for (const d of differences) process.stdout.write(`${formatDifference(d)}\n`);
    process.stdout.write(
      drifted
        ? `drifted: ${differences.length} difference(s) from baseline ${info.digest}\n`
        : `clean: matches baseline ${info.digest}\n`,
    );
  }
  return drifted ? 3 : 0;
}

/** Flags of show. */
export interface ShowFlags {
  baseline?: string;
  root: string;
  config?: string;
  json?: boolean;
}

/** Prints the header summary and the entries at or under the given paths (all without paths), streamed. */
export async function runShow(paths: readonly string[], flags: ShowFlags): Promise<number> {
  const drift = driftSettings(flags.config);
  const root = path.resolve(flags.root);
  const file = flags.baseline ? path.resolve(flags.baseline) : path.join(root, drift.baselinePath);
  const info = await openBaseline(file);
  const wanted = paths.map((p) => path.posix.normalize(p).replace(/(.)\/$/, '$1'));
  const matches = (e: FileEntry) =>
    wanted.length === 0 || wanted.some((w) => e.path === w || e.path.startsWith(w === '/' ? '/' : `${w}/`));
  const h = info.header;
  const out = (s: string) => process.stdout.write(s);
  if (flags.json) {
    const { format, roots, allowlist } = h;
    out(
      `${JSON.stringify({ baseline: file, format, digest: info.digest, capturedAt: info.capturedAt, roots, allowlist, entryCount: info.entries, ...(info.legacy ? { convertedFrom: 'kiln-baseline/1' } : {}) }).slice(0, -1)},"entries":[`,
    );
    let first = true;
    for await (const e of baselineEntries(info)) {
      if (!matches(e)) continue;
      out(`${first ? '\n' : ',\n'}${JSON.stringify(e)}`);
      first = false;
    }
    out(`${first ? '' : '\n'}]}\n`);
    return 0;
  }
  out(
    `baseline ${file}\nformat ${h.format}${info.legacy ? ' (converted from kiln-baseline/1)' : ''}\ndigest ${info.digest}\ncaptured ${info.capturedAt}\n`,
  );
  out(
    `roots ${h.roots.join(' ')}\nallowlist (expected first-boot changes, not watched):\n${h.allowlist.map((g) => `  ${g}\n`).join('')}`,
  );
  out(
    `${info.entries} entries, ${Object.keys(h.packages).length} packages, ${h.modules.length} kernel modules\n`,
  );
  let shown = 0;
  for await (const e of baselineEntries(info)) {
    if (!matches(e)) continue;
    shown++;
    out(`${e.path}\t${describeFile(e)}${e.ino !== undefined ? ` inode ${e.ino}` : ''}\n`);
  }
  if (wanted.length > 0 && shown === 0) {
    process.stderr.write(`kiln: no entry at or under ${wanted.join(', ')} in ${file}\n`);
    return 1;
  }
  return 0;
}
