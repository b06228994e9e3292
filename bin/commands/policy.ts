/** `kiln policy plan|run`: what the policy would replace now and why the rest waits; the policy loop. */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { esBakeStore } from '../../bake/store/es-store.ts';
import { planImages } from '../../collector/policy/image-step.ts';
import { createPolicyEngine, loadPolicy, startPolicyLoop } from '../../collector/policy/index.ts';
import { buildPlanReport, renderPlanReport } from '../../collector/policy/plan-report.ts';
import { inFlightFromRegistry, planDecisions } from '../../collector/policy/planner.ts';
import { readRegistry } from '../../collector/registry/index.ts';
import { parseDurationMs } from '../../lib/duration.ts';
import { KilnError } from '../../lib/errors.ts';
import { createEsClient } from '../../lib/es.ts';
import { indexNames } from '../../lib/indices.ts';
import { createLogger } from '../../lib/log.ts';
import { action, esOptions, example, indexPrefix, printJson, withEsOptions } from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';

function parseAt(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new KilnError('KILN_ERR_USAGE', `--at expects an ISO 8601 time, got "${value}"`);
  return ms;
}

/** Registers the policy commands on `program`. */
export function registerPolicy(program: Command): void {
  const group = example(
    program.command('policy').description(summaryOf('policy')),
    'kiln policy plan --policy examples/policy.yaml',
  );

  example(
    withEsOptions(
      group
        .command('plan')
        .description('show what would be replaced now, in order, and why every other due instance waits')
        .requiredOption('--policy <file>', 'policy file (YAML)')
        .option('--at <time>', 'plan as of this ISO 8601 time instead of now')
        .option('--json', 'print as JSON'),
    ),
    'kiln policy plan --policy examples/policy.yaml',
    'kiln policy plan --policy examples/policy.yaml --at 2026-06-01T03:00:00Z --json',
  ).action(
    action(async (opts) => {
      const policy = loadPolicy(opts.policy);
      const nowMs = parseAt(opts.at);
      const client = createEsClient(esOptions(opts));
      try {
        const names = indexNames(indexPrefix(opts));
        const docs = (await readRegistry(client, names)).map((v) => v.doc);
        const inFlight = inFlightFromRegistry(docs);
        const store = esBakeStore(client, names);
        const images = await planImages({ client, names, policy, store }, docs, nowMs);
        const report = buildPlanReport(
          planDecisions(docs, policy, nowMs, inFlight, images.rolledBack),
          inFlight,
          docs,
          policy,
          nowMs,
          images.decisions,
        );
        if (opts.json) printJson(report);
        else process.stdout.write(`${renderPlanReport(report)}\n`);
        return 0;
      } finally {
        await client.close();
      }
    }),
  );

  example(
    withEsOptions(
      group
        .command('run')
        .description(
          'evaluate the policy on an interval and act (also runs inside kiln collector run --policy)',
        )
        .requiredOption('--policy <file>', 'policy file (YAML)')
        .option('--interval <duration>', 'time between evaluations', '1m')
        .option('--once', 'evaluate once, wait for its actions, and exit (1 when an action was escalated)')
        .option('--json', 'with --once: print the decisions as JSON')
        .option(
          '--collector-id <id>',
          'names this process in claims and audit records',
          `${hostname()}-${process.pid}`,
        ),
    ),
    'kiln policy run --policy /etc/kiln/policy.yaml --interval 5m',
  ).action(
    action(async (opts) => {
      const policy = loadPolicy(opts.policy);
      const intervalMs = parseDurationMs(opts.interval);
      const client = createEsClient(esOptions(opts));
      const log = createLogger('kiln');
      const names = indexNames(indexPrefix(opts));
      try {
        if (opts.once) {
          const engine = createPolicyEngine({
            client,
            names,
            policy,
            now: Date.now,
            log,
            collectorId: opts.collectorId,
            intervalMs,
          });
          const report = await engine.evaluateOnce();
          const count = (o: string) => report.decisions.filter((d) => d.outcome === o).length;
          const failed = report.executed.filter((e) => !e.ok).length;
          const summary = {
            taken: count('taken'),
            deferred: count('deferred'),
            skipped: count('skipped'),
            executed: report.executed.length,
            failed,
            completed: report.completed.length,
          };
          if (opts.json) printJson({ ...summary, decisions: report.decisions });
          else
            process.stdout.write(
              `${Object.entries(summary)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')}${policy.dryRun ? ' (dry run)' : ''}\n`,
            );
          return failed > 0 ? 1 : 0;
        }
        await new Promise<void>((resolve) => {
          const loop = startPolicyLoop({
            client,
            names,
            policy,
            intervalMs,
            log,
            collectorId: opts.collectorId,
          });
          const finish = () => void loop.stop().then(resolve);
          process.once('SIGTERM', finish);
          process.once('SIGINT', finish);
        });
        return 0;
      } finally {
        await client.close();
      }
    }),
  );
}
