/**
 * Reads what image health is computed from: the registry (through collector/registry, paged
 * with search_after), agent starts per instance and boot (lifecycle events) and error lines per
 * image (log events), both as composite aggregations paged with `after`
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-composite-aggregation.html#_pagination),
 * so nothing stops at a bucket or hit limit; and the lineage parents from the bake store.
 */
import type { Client } from '@elastic/elasticsearch';
import { bareImageId } from '../../bake/lineage.ts';
import type { BakeRecord } from '../../bake/store/record.ts';
import { wrapEsError } from '../../lib/es.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { scanRegistry } from '../registry/index.ts';
import type { HealthInputs } from './health.ts';

/** Log levels that count as error lines (ECS `log.level` as agents and journald write it). */
export const errorLevels = [
  'error',
  'err',
  'crit',
  'critical',
  'alert',
  'emerg',
  'emergency',
  'fatal',
  'panic',
  'ERROR',
  'CRITICAL',
  'FATAL',
];

/** The query of error lines: an error level, or a syslog severity of error or worse (0–3). */
export const errorLineQuery = {
  bool: {
    filter: [{ term: { 'kiln.kind': 'log' } }],
    should: [{ terms: { 'log.level': errorLevels } }, { range: { 'log.syslog.severity.code': { lte: 3 } } }],
    minimum_should_match: 1,
  },
};

type Bucket = { key: Record<string, string | null>; doc_count: number };

/** Every bucket of a composite aggregation, page by page. */
async function compositeBuckets(
  client: Client,
  index: string,
  query: Record<string, unknown>,
  sources: Record<string, unknown>[],
  what: string,
): Promise<Bucket[]> {
  const out: Bucket[] = [];
  let after: Record<string, unknown> | undefined;
  for (;;) {
    let result: { buckets: Bucket[]; after_key?: Record<string, unknown> } | undefined;
    try {
      const page = await client.search({
        index,
        size: 0,
        query: query as never,
        allow_no_indices: true,
        ignore_unavailable: true,
        aggs: {
          by: {
            composite: { size: 1000, sources: sources as never, ...(after ? { after: after as never } : {}) },
          },
        },
      });
      result = page.aggregations?.by as typeof result;
    } catch (error) {
      throw wrapEsError(error, `counting ${what} in ${index}`);
    }
    const buckets = result?.buckets ?? [];
    out.push(...buckets);
    if (buckets.length === 0 || !result?.after_key) return out;
    after = result.after_key;
  }
}

/** Agent starts per instance and boot. */
export async function readAgentStarts(
  client: Client,
  names: IndexNames,
): Promise<Map<string, Map<string, number>>> {
  const buckets = await compositeBuckets(
    client,
    names.pattern('lifecycle'),
    {
      bool: {
        filter: [{ term: { 'kiln.kind': 'lifecycle' } }, { term: { 'kiln.lifecycle.phase': 'start' } }],
      },
    },
    [
      { instance: { terms: { field: 'cloud.instance.id' } } },
      { boot: { terms: { field: 'host.boot.id', missing_bucket: true } } },
    ],
    'agent starts',
  );
  const out = new Map<string, Map<string, number>>();
  for (const b of buckets) {
    const instance = b.key.instance;
    if (!instance) continue;
    const boots = out.get(instance) ?? new Map<string, number>();
    boots.set(b.key.boot ?? '-', b.doc_count);
    out.set(instance, boots);
  }
  return out;
}

/** Error lines per image. */
export async function readErrorLines(client: Client, names: IndexNames): Promise<Map<string, number>> {
  const buckets = await compositeBuckets(
    client,
    names.pattern('logs'),
    errorLineQuery,
    [{ image: { terms: { field: 'cloud.image.id' } } }],
    'error lines',
  );
  return new Map(buckets.filter((b) => b.key.image).map((b) => [b.key.image!, b.doc_count]));
}

/** image → the image it was baked from, from successful bake records. */
export function lineageParents(records: readonly BakeRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  // Oldest first, so the latest bake of an artifact wins.
  for (const r of [...records].reverse()) {
    const bake = r.kiln.bake;
    if (bake.status !== 'succeeded' || !bake.source_image) continue;
    for (const artifact of bake.artifacts) out.set(bareImageId(artifact), bareImageId(bake.source_image));
  }
  return out;
}

/** Every registry document (paged). */
export async function readInstances(client: Client, names: IndexNames): Promise<RegistryDocument[]> {
  const out: RegistryDocument[] = [];
  for await (const { doc } of scanRegistry(client, names)) out.push(doc);
  return out;
}

/** Everything computeImageHealth needs, read from Elasticsearch and the bake records. */
export async function readHealthInputs(
  client: Client,
  names: IndexNames,
  bakes: readonly BakeRecord[],
  instances?: readonly RegistryDocument[],
): Promise<HealthInputs> {
  const [docs, agentStarts, errorLines] = await Promise.all([
    instances ? Promise.resolve([...instances]) : readInstances(client, names),
    readAgentStarts(client, names),
    readErrorLines(client, names),
  ]);
  return { instances: docs, agentStarts, errorLines, parents: lineageParents(bakes) };
}
