/**
 * Silence: a running instance with no event for `silenceAfterMs` (several missed heartbeats) is
 * presumed dead and marked `silent`; its logs stay for investigation. A heartbeat revives it.
 */
import type { Client } from '@elastic/elasticsearch';
import { wrapEsError } from '../../lib/es.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { updateRegistryDocument } from './store.ts';

/** True when a running instance was last seen more than `silenceAfterMs` before `nowMs`. */
export function isSilent(doc: RegistryDocument, silenceAfterMs: number, nowMs: number): boolean {
  return doc.kiln.status === 'running' && Date.parse(doc.kiln.last_seen) < nowMs - silenceAfterMs;
}

/** Marks silent instances; returns the ids it marked (each re-checked under concurrency control). */
export async function markSilentInstances(
  client: Client,
  names: IndexNames,
  silenceAfterMs: number,
  nowMs: number,
): Promise<string[]> {
  const index = names.state('registry');
  const cutoff = new Date(nowMs - silenceAfterMs).toISOString();
  let ids: string[];
  try {
    const found = await client.search<RegistryDocument>(
      {
        index,
        size: 10_000,
        _source: false,
        query: {
          bool: {
            filter: [{ term: { 'kiln.status': 'running' } }, { range: { 'kiln.last_seen': { lt: cutoff } } }],
          },
        },
      },
      { ignore: [404] },
    );
    ids = (found.hits?.hits ?? []).map((h) => h._id).filter((id): id is string => typeof id === 'string');
  } catch (error) {
    throw wrapEsError(error, 'searching for silent instances');
  }
  const marked: string[] = [];
  const now = new Date(nowMs).toISOString();
  for (const id of ids) {
    const written = await updateRegistryDocument(client, index, id, (current) => {
      // A heartbeat may have arrived since the search: decide again on the document as read now.
      if (!current || !isSilent(current, silenceAfterMs, nowMs)) return undefined;
      return {
        ...current,
        '@timestamp': now,
        kiln: {
          ...current.kiln,
          status: 'silent',
          status_changed_at: now,
          status_reason: `no heartbeat for ${Math.round(silenceAfterMs / 1000)} s`,
        },
      };
    });
    if (written) marked.push(id);
  }
  return marked.sort();
}
