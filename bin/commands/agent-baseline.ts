/**
 * `kiln-agent baseline capture|check`: capture the image's baseline at bake time (inside the
 * image, or on a directory prefix with --root), and check a system against it.
 */
import path from 'node:path';
import type { Command } from 'commander';
import {
  captureBaseline,
  checkBaseline,
  readBaselineFile,
  writeBaselineFile,
} from '../../agent/baseline/capture.ts';
import type { HashStats } from '../../agent/baseline/hash.ts';
import type { Difference } from '../../agent/baseline/types.ts';
import { type AgentConfig, agentConfigSchema, loadAgentConfig } from '../../agent/config.ts';
import { PersistentHashCache } from '../../agent/drift/stat-cache.ts';
import { action, example, exitCodes, printJson } from '../cli-support.ts';

type DriftSettings = AgentConfig['drift'];

/** The drift settings of a config file, or the defaults. */
function driftSettings(configFile: string | undefined): DriftSettings {
  return configFile ? loadAgentConfig(configFile).drift : agentConfigSchema.shape.drift.parse(undefined);
}

/** The logical path (inside the system under `root`) of a real path, when it lies under it. */
export function logicalPathOf(root: string, realPath: string): string | undefined {
  const abs = path.resolve(realPath);
  if (root === '/') return abs;
  const base = path.resolve(root);
  return abs.startsWith(`${base}/`) ? abs.slice(base.length) : undefined;
}

/** One line per difference: `changed file /etc/x mode: 0644 -> 0600`. */
export function formatDifference(d: Difference): string {
  const head = `${d.change} ${d.category} ${d.path}`;
  if (d.change === 'changed') return `${head} ${d.attribute}: ${d.before} -> ${d.after}`;
  return `${head} (${d.change === 'added' ? d.after : d.before})`;
}

/** Registers the agent-baseline commands on `program`. */
export function registerAgentBaseline(program: Command): void {
  const baseline = example(
    program.command('baseline').description("capture or check this system's drift baseline"),
    'kiln-agent baseline capture --out /etc/kiln/baseline.json   # at bake time, inside the image',
    'kiln-agent baseline check --json                          # on the running instance',
  );

  example(
    baseline
      .command('capture')
      .description('capture the baseline (at bake time, inside the image) and print its digest')
      .option(
        '--out <file>',
        'where to write it (default: drift.baselinePath, /etc/kiln/baseline.json, under --root)',
      )
      .option('--root <dir>', 'capture the system under this directory instead of /', '/')
      .option('--config <file>', 'agent config whose drift.roots, extraRoots and allowlist apply')
      .option('--admindir <dir>', 'dpkg database directory (default <root>/var/lib/dpkg)')
      .action(
        action(async (flags: { out?: string; root: string; config?: string; admindir?: string }) => {
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
            nowMs: Date.now(),
            counters,
          });
          await writeBaselineFile(out, captured);
          process.stderr.write(
            `baseline written to ${out}: ${Object.keys(captured.files).length} entries (${counters.hashed} files hashed), ` +
              `${Object.keys(captured.packages).length} packages, ${Object.keys(captured.units).length} enabled units, ` +
              `${Object.keys(captured.users).length} users, ${Object.keys(captured.authorizedKeys).length} authorized_keys files\n`,
          );
          process.stdout.write(`${captured.digest}\n`);
          return exitCodes.ok;
        }),
      ),
    'kiln-agent baseline capture --out /etc/kiln/baseline.json',
    'kiln-agent baseline capture --root /mnt/image --out /mnt/image/etc/kiln/baseline.json',
  );

  example(
    baseline
      .command('check')
      .description('compare this system with its baseline; exit 0 when clean, 3 when drifted')
      .option(
        '--baseline <file>',
        'the baseline (default: drift.baselinePath, /etc/kiln/baseline.json, under --root)',
      )
      .option('--root <dir>', 'check the system under this directory instead of /', '/')
      .option('--config <file>', 'agent config whose drift.allowlist is added to the baseline allowlist')
      .option('--admindir <dir>', 'dpkg database directory (default <root>/var/lib/dpkg)')
      .option('--cache <file>', 'stat cache: re-hash only files whose size, mtime, ctime or inode changed')
      .option('--json', 'print the result as JSON')
      .action(
        action(
          async (flags: {
            baseline?: string;
            root: string;
            config?: string;
            admindir?: string;
            cache?: string;
            json?: boolean;
          }) => {
            const drift = driftSettings(flags.config);
            const root = path.resolve(flags.root);
            const file = flags.baseline ? path.resolve(flags.baseline) : path.join(root, drift.baselinePath);
            const loaded = await readBaselineFile(file);
            const cache = flags.cache ? new PersistentHashCache(path.resolve(flags.cache)) : undefined;
            await cache?.load();
            const differences = await checkBaseline(loaded, {
              root,
              extraAllowlist: drift.allowlist,
              ...(flags.admindir ? { dpkgAdminDir: path.resolve(flags.admindir) } : {}),
              ...(cache ? { cache } : {}),
            });
            await cache?.save();
            const drifted = differences.length > 0;
            if (flags.json) {
              printJson({
                baseline: file,
                digest: loaded.digest,
                status: drifted ? 'drifted' : 'clean',
                differences,
              });
            } else {
              for (const d of differences) process.stdout.write(`${formatDifference(d)}\n`);
              process.stdout.write(
                drifted
                  ? `drifted: ${differences.length} difference(s) from baseline ${loaded.digest}\n`
                  : `clean: matches baseline ${loaded.digest}\n`,
              );
            }
            return drifted ? exitCodes.drifted : exitCodes.ok;
          },
        ),
      ),
    'kiln-agent baseline check',
    'kiln-agent baseline check --root /mnt/image --json',
  );
}
