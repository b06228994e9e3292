/**
 * Reads an instance's story from Elasticsearch: one search per index family, each filtered on
 * `cloud.instance.id` (the bake by its id), across every daily index of the prefix. Missing
 * indices are fine (a young installation has no drift yet); no data at all is a not-found error.
 */
import type { Client } from '@elastic/elasticsearch';
import { getInstance } from '../../collector/registry/index.ts';
import { KilnError } from '../../lib/errors.ts';
import { wrapEsError } from '../../lib/es.ts';
import type { EventFamily, IndexNames, StateFamily } from '../../lib/indices.ts';
import { readPath } from '../es-request.ts';
import { fetchJournalMarkers, fetchLikelyCauses } from './fetch-causes.ts';
import { sourceOf } from './likely-cause.ts';
import type { Doc, LogLine, StoryData } from './story.ts';

/** What to read. */
export interface FetchOptions {
  /** How many of the last log lines. Default 20. */
  lines?: number;
  /** Only log lines at or after this time (epoch ms). */
  sinceMs?: number;
  /** The most drift events and decisions listed. Default 200 each. */
  maxEvents?: number;
}

const searchOptions = { ignore_unavailable: true, allow_no_indices: true } as const;

async function search(
  client: Client,
  index: string,
  body: Record<string, unknown>,
): Promise<{ docs: Doc[]; total: number; aggregations?: Record<string, unknown> }> {
  try {
    const response = await client.search({
      index,
      ...searchOptions,
      track_total_hits: true,
      ...body,
    } as never);
    const hits = response.hits as { total?: { value: number } | number; hits: Array<{ _source?: Doc }> };
    const total = typeof hits.total === 'number' ? hits.total : (hits.total?.value ?? 0);
    return {
      docs: hits.hits.map((h) => h._source ?? {}),
      total,
      ...(response.aggregations ? { aggregations: response.aggregations as Record<string, unknown> } : {}),
    };
  } catch (error) {
    throw wrapEsError(error, `reading ${index}`);
  }
}

const byInstance = (instanceId: string) => ({ term: { 'cloud.instance.id': instanceId } });
const timeSort = (order: 'asc' | 'desc') => [{ '@timestamp': { order, unmapped_type: 'date' } }];

/** Reads everything Elasticsearch holds about the instance. */
export async function fetchStoryData(
  client: Client,
  names: IndexNames,
  instanceId: string,
  options: FetchOptions = {},
): Promise<StoryData> {
  const maxEvents = options.maxEvents ?? 200;
  const family = (f: EventFamily) => names.pattern(f);
  const state = (f: StateFamily) => names.state(f);
  const instance = byInstance(instanceId);

  const [registry, facts, lifecycle, heartbeats, drift, decisions, logs] = await Promise.all([
    // The registry's own reader (collector/registry/ owns that index).
    getInstance(client, names, instanceId).then((doc) => ({
      docs: doc ? [doc as unknown as Doc] : [],
      total: doc ? 1 : 0,
    })),
    search(client, family('facts'), { query: instance, size: 100, sort: timeSort('asc') }),
    search(client, family('lifecycle'), {
      query: { bool: { filter: [instance], must_not: [{ term: { 'kiln.lifecycle.phase': 'heartbeat' } }] } },
      size: 1000,
      sort: timeSort('asc'),
    }),
    search(client, family('lifecycle'), {
      query: { bool: { filter: [instance, { term: { 'kiln.lifecycle.phase': 'heartbeat' } }] } },
      size: 0,
      aggs: { last: { max: { field: '@timestamp' } } },
    }),
    search(client, family('drift'), { query: instance, size: maxEvents, sort: timeSort('asc') }),
    search(client, family('actions'), { query: instance, size: maxEvents, sort: timeSort('asc') }),
    search(client, family('logs'), {
      query: {
        bool: {
          filter: [
            instance,
            ...(options.sinceMs !== undefined
              ? [{ range: { '@timestamp': { gte: new Date(options.sinceMs).toISOString() } } }]
              : []),
          ],
        },
      },
      size: options.lines ?? 20,
      // The newest lines, then put back in the order they were written.
      sort: [...timeSort('desc'), { 'log.offset': { order: 'desc', unmapped_type: 'long' } }],
    }),
  ]);

  const inIndex = (index: string, body: Record<string, unknown>) => search(client, index, body);
  const [causes, markers] = await Promise.all([
    fetchLikelyCauses(inIndex, names, instanceId, lifecycle.docs),
    fetchJournalMarkers(inIndex, names, instanceId),
  ]);
  const registryDoc = registry.docs[0];
  const bakeId =
    (readPath(registryDoc ?? {}, 'kiln.bake.id') as string | null) ??
    facts.docs.map((f) => readPath(f, 'kiln.bake.id') as string | null).findLast(Boolean) ??
    null;
  const bake = bakeId
    ? (await search(client, state('bakes'), { query: { term: { 'kiln.bake.id': bakeId } }, size: 1 })).docs[0]
    : undefined;

  const found = [registry, facts, lifecycle, heartbeats, drift, decisions, logs].some((r) => r.total > 0);
  if (!found) {
    throw new KilnError(
      'KILN_ERR_NOT_FOUND',
      `no data about instance ${instanceId} in the ${names.prefix}-* indices; check the id (kiln fleet lists instances) and --index-prefix`,
    );
  }
  const lastHeartbeat = (heartbeats.aggregations?.last as { value_as_string?: string } | undefined)
    ?.value_as_string;
  return {
    instanceId,
    ...(registryDoc ? { registry: registryDoc } : {}),
    ...(bake ? { bake } : {}),
    facts: facts.docs,
    lifecycle: lifecycle.docs,
    heartbeats: { count: heartbeats.total, ...(lastHeartbeat ? { last: lastHeartbeat } : {}) },
    drift: { events: drift.docs, total: drift.total },
    decisions: decisions.docs,
    logs: { lines: logs.docs.map(toLogLine).reverse(), total: logs.total },
    causes,
    journalMarkers: markers,
  };
}

function toLogLine(doc: Doc): LogLine {
  const offset = readPath(doc, 'log.offset');
  return {
    at: String(readPath(doc, '@timestamp') ?? ''),
    file: sourceOf(doc),
    offset: typeof offset === 'number' ? offset : null,
    message: String(readPath(doc, 'message') ?? ''),
  };
}
