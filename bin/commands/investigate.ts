/** `kiln investigate <instance-id>`: a dead server's life, from bake to last log line. */
import type { Command } from 'commander';
import { investigateInstance, parseSince, renderStory } from '../../dashboards/investigate/index.ts';
import { createEsClient } from '../../lib/es.ts';
import { indexNames } from '../../lib/indices.ts';
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

interface InvestigateFlags extends EsFlags {
  lines: string;
  since?: string;
  json?: boolean;
}

/** Registers the investigate command on `program`. */
export function registerInvestigate(program: Command): void {
  const command = withEsOptions(
    program
      .command('investigate')
      .description(summaryOf('investigate'))
      .argument('<instance-id>', 'the instance (cloud.instance.id), e.g. i-0abc123')
      .option('--lines <n>', 'how many of the last log lines to show', '20')
      .option('--since <time>', 'only log lines since a duration ago (2h, 1d) or an ISO time')
      .option('--json', 'print the story as JSON'),
  );
  command.action(
    action(async (instanceId: string, flags: InvestigateFlags) => {
      const lines = intFlag('--lines', flags.lines);
      const sinceMs = flags.since !== undefined ? parseSince(flags.since) : undefined;
      const client = createEsClient(esOptions(flags));
      try {
        const story = await investigateInstance(client, indexNames(indexPrefix(flags)), instanceId, {
          lines,
          ...(sinceMs !== undefined ? { sinceMs } : {}),
        });
        if (flags.json) printJson(story);
        else process.stdout.write(renderStory(story));
        return 0;
      } finally {
        await client.close();
      }
    }),
  );
  example(
    command,
    'kiln investigate i-0abc123 --es-url http://127.0.0.1:9200',
    'kiln investigate i-0abc123 --lines 100 --since 2h --json',
  );
}
