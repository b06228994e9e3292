/** What the demo prints once data has flowed: counts, samples, indices, fleet, policy plan. */
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../../lib/indices.ts';
import { renderTable } from '../../lib/table.ts';
import { likelyCauseSection } from './demo-journal.ts';
import { rolloutImages } from './demo-rollout.ts';
import { runKiln } from './processes.ts';

/** Inputs of the report. */
export interface ReportContext {
  client: Client;
  names: IndexNames;
  esUrl: string;
  policyFile: string;
  say: (line: string) => void;
  /** The simulated rollout (demo-rollout.ts): its index prefix and policy. */
  rollout?: { prefix: string; policyFile: string };
}

/** The parts of a stored log event the demo prints. */
interface DemoLogDocument {
  '@timestamp'?: string;
  message?: string;
  log?: unknown;
  host?: { name?: string; boot?: unknown };
  cloud?: unknown;
  kiln?: { kind?: string; bake?: unknown; log?: unknown };
  event?: { id?: string; ingested?: string };
}

/** Prints the report. */
export async function printDemoReport({
  client,
  names,
  esUrl,
  policyFile,
  say,
  rollout,
}: ReportContext): Promise<void> {
  await client.indices.refresh({ index: `${names.prefix}-*`, allow_no_indices: true });
  const perFile = await client.search({
    index: names.pattern('logs'),
    size: 0,
    aggs: {
      files: {
        terms: { field: 'log.file.path', size: 50 },
        aggs: { instance: { terms: { field: 'cloud.instance.id', size: 1 } } },
      },
    },
  });
  const files = perFile.aggregations?.files as
    | { buckets: Array<{ key: string; doc_count: number; instance: { buckets: Array<{ key: string }> } }> }
    | undefined;
  const buckets = files?.buckets ?? [];
  say('');
  say('log events per file:');
  say(
    renderTable(
      ['instance', 'file', 'events'],
      buckets.map((b) => [b.instance.buckets[0]?.key ?? '', b.key, b.doc_count]),
    ),
  );

  const sample = await client.search<DemoLogDocument>({
    index: names.pattern('logs'),
    size: 3,
    sort: [{ '@timestamp': 'desc' }],
    query: { term: { 'cloud.instance.id': 'i-demo-shop-1' } },
  });
  say('');
  say('latest documents from i-demo-shop-1 (as stored, abridged):');
  for (const hit of sample.hits.hits) {
    const d = hit._source!;
    say(
      `  ${JSON.stringify({
        '@timestamp': d['@timestamp'],
        message: String(d.message).slice(0, 100),
        log: d.log,
        host: { name: d.host?.name, boot: d.host?.boot },
        cloud: d.cloud,
        kiln: { kind: d.kiln?.kind, bake: d.kiln?.bake, log: d.kiln?.log },
        event: { id: d.event?.id, ingested: d.event?.ingested },
      })}`,
    );
  }

  const indices = await client.cat.indices({
    index: `${names.prefix}-*`,
    format: 'json',
    h: 'index,docs.count',
    s: 'index',
  });
  say('');
  say(
    'Kibana-ready indices (data views: kiln-logs-*, kiln-facts-*, kiln-drift-*, kiln-actions-*, kiln-registry, kiln-bakes):',
  );
  say(
    renderTable(
      ['index', 'docs'],
      (indices as Array<Record<string, string>>).map((i) => [i.index ?? '', Number(i['docs.count'] ?? 0)]),
    ),
  );

  const investigate = runKiln('kiln', [
    'investigate',
    'i-demo-shop-1',
    '--es-url',
    esUrl,
    '--index-prefix',
    names.prefix,
  ]);
  say('');
  say('why i-demo-shop-1 restarted its application (kiln investigate i-demo-shop-1, from its journal):');
  say(likelyCauseSection(investigate.stdout || investigate.stderr));

  for (const [title, args] of [
    ['fleet (kiln fleet):', ['fleet', '--es-url', esUrl, '--index-prefix', names.prefix]],
    [
      'policy plan (kiln policy plan, dry run: nothing is replaced):',
      ['policy', 'plan', '--policy', policyFile, '--es-url', esUrl, '--index-prefix', names.prefix],
    ],
    ['bakes and image lineage (kiln images):', ['images', '--es-url', esUrl, '--index-prefix', names.prefix]],
  ] as const) {
    const result = runKiln('kiln', [...args]);
    say('');
    say(title);
    say((result.stdout || result.stderr).trimEnd());
  }
  if (rollout) printRolloutReport(esUrl, rollout, say);
}

/** The image-health scene: health of a healthy and a failing image, and the rollback plan (dry run). */
function printRolloutReport(
  esUrl: string,
  rollout: { prefix: string; policyFile: string },
  say: (line: string) => void,
) {
  const es = ['--es-url', esUrl, '--index-prefix', rollout.prefix];
  say('');
  say(
    `a simulated rollout (registry documents and bakes under the prefix ${rollout.prefix}, no instances behind them): group demo-api ran ${rolloutImages.good} for a day, then ${rolloutImages.bad} (baked from it) went out 30 minutes ago`,
  );
  for (const [title, args] of [
    ['image health (kiln images health):', ['images', 'health', ...es]],
    [
      `rollback plan (kiln images rollback ${rolloutImages.bad} --dry-run: nothing is changed):`,
      ['images', 'rollback', rolloutImages.bad, '--policy', rollout.policyFile, '--dry-run', ...es],
    ],
  ] as const) {
    const result = runKiln('kiln', [...args]);
    say('');
    say(title);
    say((result.stdout || result.stderr).trimEnd());
  }
}
