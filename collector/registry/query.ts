/** Reading the registry: the instances matching a filter, most recently seen first. */
import type { Client } from '@elastic/elasticsearch';
import { wrapEsError } from '../../lib/es.ts';
import type { InstanceStatus, RegistryDocument } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';

/** Which instances to list. */
export interface FleetFilter {
  status?: InstanceStatus[];
  /** An image (AMI) id. */
  imageId?: string;
  /** Only drifted instances. */
  drifted?: boolean;
  /** At most this many. Default 10 000. */
  size?: number;
}

/** The Elasticsearch query of a filter. */
export function fleetQuery(filter: FleetFilter): Record<string, unknown> {
  const clauses: Record<string, unknown>[] = [];
  if (filter.status && filter.status.length > 0) clauses.push({ terms: { 'kiln.status': filter.status } });
  if (filter.imageId) clauses.push({ term: { 'cloud.image.id': filter.imageId } });
  if (filter.drifted) clauses.push({ term: { 'kiln.drift.state': 'drifted' } });
  return clauses.length > 0 ? { bool: { filter: clauses } } : { match_all: {} };
}

/** The instances matching the filter; none when the registry does not exist yet. */
export async function listInstances(
  client: Client,
  names: IndexNames,
  filter: FleetFilter = {},
): Promise<RegistryDocument[]> {
  try {
    const found = await client.search<RegistryDocument>(
      {
        index: names.state('registry'),
        size: filter.size ?? 10_000,
        query: fleetQuery(filter),
        sort: [{ 'kiln.last_seen': { order: 'desc', unmapped_type: 'date' } }],
      },
      { ignore: [404] },
    );
    return (found.hits?.hits ?? [])
      .map((h) => h._source)
      .filter((d): d is RegistryDocument => d !== undefined);
  } catch (error) {
    throw wrapEsError(error, 'reading the fleet registry');
  }
}
