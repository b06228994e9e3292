/**
 * Retention of the time-based indices, enforced by the collector (the minimal distribution has
 * no ILM). Only indices that are kiln's are ever deleted: the name must be a daily index of
 * this prefix and the index mapping must carry kiln's `_meta.managed_by`.
 */
import type { Client } from '@elastic/elasticsearch';
import { wrapEsError } from '../../lib/es.ts';
import { type EventFamily, eventFamilies, type IndexNames, parseDailyIndex } from '../../lib/indices.ts';
import { managedByMeta } from './templates/index-templates.ts';

/** Days to keep per family; a family not listed is kept forever. */
export type RetentionDays = Partial<Record<EventFamily, number>>;

/** An index as retention sees it. */
export interface IndexInfo {
  name: string;
  managedBy: string | undefined;
}

/**
 * The indices to delete: kiln's daily indices of this prefix whose whole day ended more than
 * `days` days before now. Pure, so the rule is tested without a cluster.
 */
export function selectExpiredIndices(
  indices: readonly IndexInfo[],
  prefix: string,
  retention: RetentionDays,
  nowMs: number,
): string[] {
  const expired: string[] = [];
  for (const index of indices) {
    if (index.managedBy !== managedByMeta.managed_by) continue;
    const parsed = parseDailyIndex(index.name, prefix);
    if (!parsed) continue;
    const days = retention[parsed.family];
    if (days === undefined) continue;
    const dayEndMs = parsed.dayStartMs + 86_400_000;
    if (dayEndMs <= nowMs - days * 86_400_000) expired.push(index.name);
  }
  return expired.sort();
}

/** Deletes the expired indices and returns their names. */
export async function enforceRetention(
  client: Client,
  names: IndexNames,
  retention: RetentionDays,
  nowMs: number = Date.now(),
): Promise<string[]> {
  const families = eventFamilies.filter((f) => retention[f] !== undefined);
  if (families.length === 0) return [];
  try {
    const mappings = await client.indices.getMapping({
      index: families.map((f) => names.pattern(f)).join(','),
      allow_no_indices: true,
      ignore_unavailable: true,
      expand_wildcards: ['open', 'closed'],
    });
    const infos: IndexInfo[] = Object.entries(mappings).map(([name, value]) => ({
      name,
      managedBy: (value.mappings?._meta as { managed_by?: string } | undefined)?.managed_by,
    }));
    const expired = selectExpiredIndices(infos, names.prefix, retention, nowMs);
    for (const index of expired) await client.indices.delete({ index }, { ignore: [404] });
    return expired;
  } catch (error) {
    throw wrapEsError(error, 'enforcing retention');
  }
}
