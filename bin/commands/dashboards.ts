/** `kiln dashboards build|install`: Kibana saved objects from dashboards/, imported through Kibana's API. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import {
  buildDashboards,
  checkKibana,
  importSavedObjects,
  type KibanaTarget,
} from '../../dashboards/index.ts';
import { defaultBuildOptions } from '../../dashboards/spec/index.ts';
import { parseDurationMs } from '../../lib/duration.ts';
import { KilnError } from '../../lib/errors.ts';
import { action, example, printJson } from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';

/** Where `build` writes by default (git-ignored inside the repository). */
export const defaultOutFile = 'dashboards/build/kiln-saved-objects.ndjson';

interface BuildFlags {
  out: string;
  indexPrefix?: string;
  maxAge: string;
  json?: boolean;
}

interface InstallFlags {
  kibanaUrl?: string;
  space?: string;
  apiKey?: string;
  username?: string;
  password?: string;
  dryRun?: boolean;
  overwrite?: boolean;
  file?: string;
  indexPrefix?: string;
  maxAge: string;
  json?: boolean;
}

function buildFrom(flags: { indexPrefix?: string; maxAge: string }) {
  return buildDashboards({
    indexPrefix: flags.indexPrefix ?? process.env.KILN_INDEX_PREFIX ?? defaultBuildOptions.indexPrefix,
    maxAgeMs: parseDurationMs(flags.maxAge),
  });
}

function countsLine(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
}

function targetFrom(flags: InstallFlags): KibanaTarget {
  const url = flags.kibanaUrl ?? process.env.KILN_KIBANA_URL;
  if (!url)
    throw new KilnError('KILN_ERR_USAGE', 'kiln dashboards install needs --kibana-url (or KILN_KIBANA_URL)');
  const apiKey = flags.apiKey ?? process.env.KILN_KIBANA_API_KEY;
  const username = flags.username ?? process.env.KILN_KIBANA_USERNAME;
  const password = flags.password ?? process.env.KILN_KIBANA_PASSWORD;
  return {
    url,
    ...(flags.space ? { space: flags.space } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}

/** Registers the dashboards commands on `program`. */
export function registerDashboards(program: Command): void {
  const dashboards = example(
    program.command('dashboards').description(summaryOf('dashboards')),
    'kiln dashboards build --out kiln-dashboards.ndjson',
    'kiln dashboards install --kibana-url http://kibana:5601 --api-key $KIBANA_API_KEY',
  );

  const build = dashboards
    .command('build')
    .description('build every data view, visualization, search and dashboard into one saved-objects NDJSON')
    .option('--out <file>', `where to write ("-" for stdout)`, defaultOutFile)
    .option(
      '--index-prefix <prefix>',
      'index prefix the data views point at (env KILN_INDEX_PREFIX; default kiln)',
    )
    .option('--max-age <duration>', 'max-age policy drawn on the age charts', '7d')
    .option('--json', 'print a summary as JSON')
    .action(
      action((flags: BuildFlags) => {
        const built = buildFrom(flags);
        if (flags.out === '-') {
          process.stdout.write(built.ndjson);
          return 0;
        }
        mkdirSync(dirname(flags.out), { recursive: true });
        writeFileSync(flags.out, built.ndjson);
        if (flags.json) printJson({ file: flags.out, objects: built.objects.length, counts: built.counts });
        else
          process.stdout.write(
            `wrote ${built.objects.length} saved objects (${countsLine(built.counts)}) to ${flags.out}\n`,
          );
        return 0;
      }),
    );
  example(
    build,
    'kiln dashboards build --out kiln.ndjson',
    'kiln dashboards build --index-prefix prod --max-age 14d --out -',
  );

  const install = dashboards
    .command('install')
    .description("import kiln's saved objects into Kibana through its saved-objects import API")
    .option('--kibana-url <url>', 'Kibana base URL (env KILN_KIBANA_URL)')
    .option('--space <id>', 'Kibana space to import into (default: the default space)')
    .option('--api-key <key>', 'Kibana API key, base64 id:key (env KILN_KIBANA_API_KEY)')
    .option('--username <name>', 'Kibana user for basic auth (env KILN_KIBANA_USERNAME)')
    .option('--password <password>', 'password of --username (env KILN_KIBANA_PASSWORD)')
    .option('--overwrite', 'replace objects that already exist (same ids: updates in place)')
    .option('--dry-run', 'build and check Kibana (reachable, credentials, version) without importing')
    .option('--file <file>', 'import this NDJSON instead of building')
    .option(
      '--index-prefix <prefix>',
      'index prefix the data views point at (env KILN_INDEX_PREFIX; default kiln)',
    )
    .option('--max-age <duration>', 'max-age policy drawn on the age charts', '7d')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (flags: InstallFlags) => {
        const target = targetFrom(flags);
        const ndjson = flags.file ? readFileSync(flags.file, 'utf8') : buildFrom(flags).ndjson;
        const objects = ndjson.split('\n').filter((l) => l.trim() !== '').length;
        const status = await checkKibana(target);
        const where = `Kibana ${status.version} at ${target.url}${target.space ? ` (space ${target.space})` : ''}`;
        if (flags.dryRun) {
          if (flags.json) printJson({ dryRun: true, kibanaVersion: status.version, objects });
          else process.stdout.write(`dry run: would import ${objects} saved objects into ${where}\n`);
          return 0;
        }
        const report = await importSavedObjects(target, ndjson, { overwrite: flags.overwrite === true });
        if (flags.json) printJson({ kibanaVersion: status.version, ...report });
        else if (report.success)
          process.stdout.write(`imported ${report.successCount} saved objects into ${where}\n`);
        if (report.success) return 0;
        if (!flags.json) {
          process.stderr.write(
            `kiln: Kibana imported ${report.successCount} of ${objects} saved objects; ${report.failures.length} failed:\n`,
          );
          for (const failure of report.failures) process.stderr.write(`  ${failure.line}\n`);
        }
        return 1;
      }),
    );
  example(
    install,
    'kiln dashboards install --kibana-url http://127.0.0.1:5601 --api-key "$KIBANA_API_KEY" --overwrite',
    'kiln dashboards install --kibana-url https://kibana.example.com --space ops --username elastic --password changeme --dry-run',
  );
}
