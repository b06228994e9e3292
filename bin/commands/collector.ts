/** `kiln collector setup|run` and `kiln collector retention`. */
import type { Command } from 'commander';
import { enforceRetention, type RetentionDays } from '../../collector/storage/retention.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import { KilnError } from '../../lib/errors.ts';
import { createEsClient } from '../../lib/es.ts';
import { eventFamilies, indexNames } from '../../lib/indices.ts';
import { renderTable } from '../../lib/table.ts';
import { action, esOptions, example, indexPrefix, printJson, withEsOptions } from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';
import { registerCollectorRun } from './collector-run.ts';

/** Registers the collector commands; `run` is added by the ingest module. */
export function registerCollector(program: Command): Command {
  const group = example(
    program.command('collector').description(summaryOf('collector')),
    'kiln collector setup --es-url http://127.0.0.1:9200',
  );

  example(
    withEsOptions(
      group.command('setup').description('install or upgrade index templates and state indices (idempotent)'),
    ).option('--json', 'print the outcome as JSON'),
    'kiln collector setup --es-url http://127.0.0.1:9200',
  ).action(
    action(async (opts) => {
      const client = createEsClient(esOptions(opts));
      try {
        const outcomes = await setupStorage(client, indexNames(indexPrefix(opts)));
        if (opts.json) printJson(outcomes);
        else
          process.stdout.write(
            `${renderTable(
              ['template', 'action'],
              outcomes.map((o) => [o.name, o.action]),
            )}\n`,
          );
        return 0;
      } finally {
        await client.close();
      }
    }),
  );

  example(
    withEsOptions(
      group
        .command('retention')
        .description("delete kiln's daily indices older than the retention (never touches other indices)")
        .requiredOption('--days <spec>', 'days to keep, e.g. "30" for all families or "logs=14,facts=90"')
        .option('--json', 'print the deleted indices as JSON'),
    ),
    'kiln collector retention --days logs=14,deadletter=30',
  ).action(
    action(async (opts) => {
      const client = createEsClient(esOptions(opts));
      try {
        const deleted = await enforceRetention(
          client,
          indexNames(indexPrefix(opts)),
          parseRetention(opts.days),
        );
        if (opts.json) printJson({ deleted });
        else process.stdout.write(deleted.length ? `deleted ${deleted.join(', ')}\n` : 'nothing to delete\n');
        return 0;
      } finally {
        await client.close();
      }
    }),
  );
  registerCollectorRun(group);
  return group;
}

/** Parses `30` or `logs=14,facts=90` into retention days per family. */
export function parseRetention(spec: string): RetentionDays {
  const all = eventFamilies;
  if (/^\d+$/.test(spec.trim())) return Object.fromEntries(all.map((f) => [f, Number(spec)]));
  const out: RetentionDays = {};
  for (const part of spec.split(',')) {
    const [family, days] = part.split('=').map((s) => s.trim());
    if (!family || !(all as readonly string[]).includes(family) || !days || !/^\d+$/.test(days)) {
      throw new KilnError(
        'KILN_ERR_USAGE',
        `--days: "${part}" should be FAMILY=DAYS with FAMILY one of ${all.join(', ')}`,
      );
    }
    out[family as (typeof all)[number]] = Number(days);
  }
  return out;
}
