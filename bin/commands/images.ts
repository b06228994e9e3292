/**
 * `kiln images health [IMAGE]` and `kiln images rollback IMAGE`: how each image's instances fare
 * compared with the image it replaced, and going back to that image by hand. The work is in
 * collector/images/operator.ts, loaded when a command runs.
 */
import type { Command } from 'commander';
import {
  action,
  type EsFlags,
  esOptions,
  example,
  indexPrefix,
  printJson,
  withEsOptions,
} from '../cli-support.ts';

function silentWithin(value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return Promise.resolve(undefined);
  return import('../../lib/duration.ts').then(({ parseDurationMs }) => parseDurationMs(value));
}

/** Adds `health` and `rollback` under the `kiln images` command. */
export function registerImageCommands(images: Command): void {
  const health = withEsOptions(
    images
      .command('health')
      .argument('[image]', 'one image (AMI) id; default every image with instances')
      .description(
        'per image: launched, running, silent soon after boot, crash loops, drifted, terminated early, error lines per instance-hour — each against the image it replaced',
      )
      .option('--silent-within <duration>', 'silent within this long of boot counts as failing', '15m')
      .option('--json', 'print as JSON'),
  );
  example(health, 'kiln images health --es-url http://127.0.0.1:9200', 'kiln images health ami-0b2 --json');
  health.action(
    action(async (image: string | undefined, _opts: unknown, command: Command) => {
      const flags = command.optsWithGlobals() as EsFlags & { json?: boolean; silentWithin?: string };
      const { createEsClient } = await import('../../lib/es.ts');
      const { indexNames } = await import('../../lib/indices.ts');
      const { imageHealthReport } = await import('../../collector/images/operator.ts');
      const { renderHealth } = await import('../../collector/images/render.ts');
      const client = createEsClient(esOptions(flags));
      try {
        const ms = await silentWithin(flags.silentWithin);
        const report = await imageHealthReport(client, indexNames(indexPrefix(flags)), Date.now(), {
          ...(image ? { imageId: image } : {}),
          ...(ms !== undefined ? { silentWithinMs: ms } : {}),
        });
        if (flags.json) printJson(report);
        else process.stdout.write(`${renderHealth(report.health, report.marks)}\n`);
        return 0;
      } finally {
        await client.close();
      }
    }),
  );

  const rollback = withEsOptions(
    images
      .command('rollback')
      .argument('<image>', 'the bad image (AMI) id')
      .description(
        "point the groups running IMAGE back to the image it replaced (or --to), mark IMAGE bad, and show the replacement of its instances under the policy's budgets",
      )
      .requiredOption(
        '--policy <file>',
        'policy file: how groups are pointed back (aws-asg or onBadImage.command) and the budgets',
      )
      .option(
        '--to <image>',
        'the image to go back to (default: its lineage parent, else the previous image of its group)',
      )
      .option('--dry-run', 'show what would happen and change nothing')
      .option('--json', 'print as JSON'),
  );
  example(
    rollback,
    'kiln images rollback ami-0b2 --policy /etc/kiln/policy.yaml --dry-run',
    'kiln images rollback ami-0b2 --to ami-0a1 --policy /etc/kiln/policy.yaml',
  );
  rollback.action(
    action(async (image: string, _opts: unknown, command: Command) => {
      const flags = command.optsWithGlobals() as EsFlags & {
        json?: boolean;
        policy: string;
        to?: string;
        dryRun?: boolean;
      };
      const { userInfo, hostname } = await import('node:os');
      const { loadPolicy } = await import('../../collector/policy/config.ts');
      const { createEsClient } = await import('../../lib/es.ts');
      const { indexNames } = await import('../../lib/indices.ts');
      const { createLogger } = await import('../../lib/log.ts');
      const { rollbackImage, renderRollback } = await import('../../collector/images/operator.ts');
      const policy = loadPolicy(flags.policy);
      const client = createEsClient(esOptions(flags));
      try {
        const report = await rollbackImage({
          client,
          names: indexNames(indexPrefix(flags)),
          policy,
          imageId: image,
          ...(flags.to ? { to: flags.to } : {}),
          dryRun: flags.dryRun ?? false,
          nowMs: Date.now(),
          actor: `${userInfo().username}@${hostname()}`,
          log: createLogger('kiln'),
        });
        if (flags.json) printJson(report);
        else process.stdout.write(`${renderRollback(report)}\n`);
        if (!report.ok)
          process.stderr.write(`kiln: the rollback of ${image} failed in at least one group; see above\n`);
        return report.ok ? 0 : 1;
      } finally {
        await client.close();
      }
    }),
  );
}
