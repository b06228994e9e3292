/** `kiln bake` and `kiln images`: thin wiring of the bake module (bake/). */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { runBake } from '../../bake/bake.ts';
import { loadBakeConfig } from '../../bake/config.ts';
import { createProgressDisplay, isInteractive } from '../../bake/display.ts';
import { openBakeStore } from '../../bake/index.ts';
import { type InstanceRef, imageRows } from '../../bake/lineage.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import { formatDurationMs } from '../../lib/duration.ts';
import { createEsClient } from '../../lib/es.ts';
import { indexNames } from '../../lib/indices.ts';
import { renderTable } from '../../lib/table.ts';
import { kilnVersion } from '../../lib/version.ts';
import {
  action,
  type EsFlags,
  esOptions,
  example,
  indexPrefix,
  intFlag,
  printJson,
  withEsOptions,
} from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';
import { registerImageCommands } from './images.ts';

/** The agent executable next to this kiln (dist/kiln-agent-linux-<arch>), in a checkout or a bundle. */
function defaultAgentExecutable(arch: 'x64' | 'arm64'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const name = `kiln-agent-linux-${arch}`;
  return here.endsWith('dist') ? join(here, name) : resolve(here, '../../dist', name);
}

/** Elasticsearch is used when a URL was given by flag or KILN_ES_URL; else the local store. */
function esConfigured(flags: EsFlags): boolean {
  return Boolean(flags.esUrl ?? process.env.KILN_ES_URL);
}

async function storeFor(flags: EsFlags & { store?: string }, localDir: string) {
  if (!esConfigured(flags)) return openBakeStore({ localDir: flags.store ?? localDir });
  const connection = esOptions(flags);
  const client = createEsClient(connection);
  const names = indexNames(indexPrefix(flags));
  // The bakes index needs its mapping (flattened inputs, stored-only baseline) before the first write.
  const exists = await client.indices.exists({ index: names.state('bakes') });
  if (!exists) await setupStorage(client, names);
  return openBakeStore({ es: { client, names, url: connection.url } });
}

interface BakeFlags extends EsFlags {
  config: string;
  force?: boolean;
  dryRun?: boolean;
  allowSecret: string[];
  store?: string;
  json?: boolean;
  lockWait?: string;
}

/** Registers `kiln bake` and `kiln images` on `program`. */
export function registerBake(program: Command): void {
  const bake = withEsOptions(
    program
      .command('bake')
      .description(summaryOf('bake'))
      .option('-c, --config <file>', 'the bake config (YAML or JSON)', 'bake.yaml')
      .option('--force', 'bake even when a successful bake with the same key exists')
      .option('--dry-run', 'print the plan and the composed template without building')
      .option(
        '--allow-secret <pattern>',
        'accept secret-lint findings matching this regex (file:line or text); repeatable',
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option(
        '--store <dir>',
        'local bake store when no Elasticsearch is configured (default: the config outputDir)',
      )
      .option('--lock-wait <seconds>', 'how long to wait for an identical running bake (default 7200)')
      .option('--json', 'print the bake record as JSON'),
  );
  example(
    bake,
    'kiln bake --config examples/bake/bake.yaml --dry-run',
    'KILN_ES_URL=http://127.0.0.1:9200 kiln bake --config examples/bake/bake.yaml',
  );
  bake.action(
    action(async (flags: BakeFlags) => {
      const config = loadBakeConfig(flags.config, { agentExecutable: defaultAgentExecutable });
      const store = await storeFor(flags, config.outputDir);
      const display = createProgressDisplay({
        interactive: isInteractive(process.stderr, process.env),
        write: (text) => process.stderr.write(text),
        now: Date.now,
      });
      try {
        const result = await runBake({
          config,
          store,
          agentVersion: kilnVersion,
          force: flags.force ?? false,
          dryRun: flags.dryRun ?? false,
          allowSecrets: flags.allowSecret,
          display,
          out: (text) => process.stdout.write(text),
          ...(flags.lockWait ? { lockWaitMs: intFlag('--lock-wait', flags.lockWait) * 1000 } : {}),
        });
        if (result.kind === 'dry-run') return 0;
        const b = result.record.kiln.bake;
        if (flags.json) printJson({ outcome: result.kind, ...result.record });
        else if (result.kind === 'reused') {
          process.stdout.write(
            `cache hit: bake ${b.id} (key ${result.key.slice(0, 12)}) is reused: ${b.artifacts.join(', ')}\n`,
          );
        } else {
          process.stdout.write(
            `bake ${b.id} succeeded in ${formatDurationMs(b.duration_ms ?? 0)}: ${b.artifacts.join(', ')} (baseline ${b.baseline_digest}, recorded in ${store.where})\n`,
          );
        }
        return 0;
      } finally {
        display.stop();
      }
    }),
  );

  const images = withEsOptions(
    program
      .command('images')
      .description(summaryOf('images'))
      .option('--store <dir>', 'local bake store when no Elasticsearch is configured', '.kiln/bakes')
      .option('--limit <n>', 'most bakes to list', '100')
      .option('--json', 'print the rows as JSON'),
  );
  example(images, 'kiln images --es-url http://127.0.0.1:9200', 'kiln images --store .kiln/bakes --json');
  registerImageCommands(images);
  images.action(
    action(async (flags: EsFlags & { store: string; limit: string; json?: boolean }) => {
      const store = await storeFor(flags, flags.store);
      const records = await store.list(intFlag('--limit', flags.limit));
      const instances: InstanceRef[] = await store.instances();
      const rows = imageRows(records, instances);
      if (flags.json) {
        printJson(rows);
        return 0;
      }
      process.stdout.write(
        `${renderTable(
          ['BAKE', 'STATUS', 'KEY', 'FROM', 'ARTIFACTS', 'INSTANCES', 'TOOK'],
          rows.map((r) => [
            `${'  '.repeat(r.depth)}${r.bakeId}`,
            r.status,
            r.key.slice(0, 12),
            r.parentBake ? `${r.sourceImage} (bake ${r.parentBake})` : (r.sourceImage ?? '-'),
            r.artifacts.join(',') || '-',
            r.instances.length,
            r.durationMs === undefined ? '-' : formatDurationMs(r.durationMs),
          ]),
        )}\n`,
      );
      return 0;
    }),
  );
}
