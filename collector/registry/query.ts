/**
 * Reading the registry, for every part that needs it (`kiln fleet`, the silence sweep, the policy,
 * `kiln images`, `kiln investigate`): one instance by id, a count, or every instance matching a
 * filter, read page by page with `search_after` on a unique tiebreak
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html#search-after),
 * so nothing stops silently at 10 000.
 */
import type { Client } from '@elastic/elasticsearch';
import { wrapEsError } from '../../lib/es.ts';
import type { InstanceStatus, RegistryDocument } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';

/** Which instances to read. */
export interface FleetFilter {
  status?: InstanceStatus[];
  /** An image (AMI) id. */
  imageId?: string;
  /** Only drifted instances. */
  drifted?: boolean;
  /** Running instances last seen before this time (the silence sweep). */
  lastSeenBefore?: string;
  /** Instances whose termination is in one of these states (collector/termination/). */
  terminationStates?: string[];
}

/** The orders `kiln fleet` offers; each ends on the instance id, so pages never overlap. */
export const fleetSorts = {
  'last-seen': [{ 'kiln.last_seen': { order: 'desc', unmapped_type: 'date' } }],
  age: [{ 'kiln.launch_time': { order: 'asc', unmapped_type: 'date', missing: '_last' } }],
  instance: [],
  image: [{ 'cloud.image.id': { order: 'asc', unmapped_type: 'keyword', missing: '_last' } }],
  status: [{ 'kiln.status': { order: 'asc', unmapped_type: 'keyword' } }],
} as const;

/** A sort order of fleetSorts. */
export type FleetSort = keyof typeof fleetSorts;

/** One registry document with the version it was read at (for conditional writes). */
export interface VersionedDoc {
  doc: RegistryDocument;
  seqNo: number;
  primaryTerm: number;
}

/** The Elasticsearch query of a filter. */
export function fleetQuery(filter: FleetFilter): Record<string, unknown> {
  const clauses: Record<string, unknown>[] = [{ term: { 'kiln.kind': 'registry' } }];
  if (filter.status && filter.status.length > 0) clauses.push({ terms: { 'kiln.status': filter.status } });
  if (filter.imageId) clauses.push({ term: { 'cloud.image.id': filter.imageId } });
  if (filter.drifted) clauses.push({ term: { 'kiln.drift.state': 'drifted' } });
  if (filter.lastSeenBefore) clauses.push({ range: { 'kiln.last_seen': { lt: filter.lastSeenBefore } } });
  if (filter.terminationStates)
    clauses.push({ terms: { 'kiln.termination.state': filter.terminationStates } });
  return { bool: { filter: clauses } };
}

/** Registry documents per page of a scan. */
const defaultPageSize = 5000;

/** Reading options. */
export interface ScanOptions {
  sort?: FleetSort;
  /** Stop after this many. Default: all. */
  limit?: number;
  /**
   * Documents per page. Default 5000: every page of a sorted search_after scan sorts the whole
   * match again, so on 100 000 instances 20 pages of 5000 take 1.8 s where 100 of 1000 take 6 s
   * (bench/fleet-scale.ts); a page of registry documents is about 1.5 MB.
   */
  pageSize?: number;
  /** Only these fields of each document (smaller pages for sweeps). */
  fields?: string[];
}

/** Every instance matching `filter`, with its version, page by page. An absent registry is empty. */
export async function* scanRegistry(
  client: Client,
  names: IndexNames,
  filter: FleetFilter = {},
  options: ScanOptions = {},
): AsyncGenerator<VersionedDoc> {
  const index = names.state('registry');
  const pageSize = Math.min(options.pageSize ?? defaultPageSize, options.limit ?? Number.POSITIVE_INFINITY);
  const sort = [...fleetSorts[options.sort ?? 'instance'], { 'cloud.instance.id': 'asc' }];
  let after: unknown[] | undefined;
  let yielded = 0;
  for (;;) {
    let hits: Array<{
      _source?: RegistryDocument;
      _seq_no?: number;
      _primary_term?: number;
      sort?: unknown[];
    }>;
    try {
      const page = await client.search<RegistryDocument>(
        {
          index,
          size: pageSize,
          seq_no_primary_term: true,
          query: fleetQuery(filter) as never,
          sort: sort as never,
          ...(options.fields ? { _source: options.fields } : {}),
          ...(after ? { search_after: after as never } : {}),
        },
        { ignore: [404] },
      );
      hits = page.hits?.hits ?? [];
    } catch (error) {
      throw wrapEsError(error, `reading the fleet registry ${index}`);
    }
    for (const hit of hits) {
      if (!hit._source || hit._seq_no === undefined || hit._primary_term === undefined) continue;
      yield { doc: hit._source, seqNo: hit._seq_no, primaryTerm: hit._primary_term };
      if (++yielded >= (options.limit ?? Number.POSITIVE_INFINITY)) return;
    }
    if (hits.length < pageSize) return;
    after = hits.at(-1)!.sort;
  }
}

/** The instances matching the filter (all of them unless `limit`), in `sort` order. */
export async function listInstances(
  client: Client,
  names: IndexNames,
  filter: FleetFilter = {},
  options: ScanOptions = {},
): Promise<RegistryDocument[]> {
  const out: RegistryDocument[] = [];
  for await (const v of scanRegistry(client, names, filter, { sort: 'last-seen', ...options }))
    out.push(v.doc);
  return out;
}

/** Every instance with its version (the policy engine plans on these and writes conditionally). */
export async function readRegistry(client: Client, names: IndexNames): Promise<VersionedDoc[]> {
  const out: VersionedDoc[] = [];
  for await (const v of scanRegistry(client, names)) out.push(v);
  return out;
}

/** How many instances match the filter. */
export async function countInstances(
  client: Client,
  names: IndexNames,
  filter: FleetFilter = {},
): Promise<number> {
  try {
    const result = await client.count(
      { index: names.state('registry'), query: fleetQuery(filter) as never },
      { ignore: [404] },
    );
    return result.count ?? 0;
  } catch (error) {
    throw wrapEsError(error, 'counting the fleet registry');
  }
}

/** One instance's registry document, or undefined. */
export async function getInstance(
  client: Client,
  names: IndexNames,
  instanceId: string,
): Promise<RegistryDocument | undefined> {
  try {
    const got = await client.get<RegistryDocument>(
      { index: names.state('registry'), id: instanceId },
      { ignore: [404] },
    );
    return got.found ? got._source : undefined;
  } catch (error) {
    throw wrapEsError(error, `reading the registry document of ${instanceId}`);
  }
}
