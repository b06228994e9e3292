/**
 * Silence: a running instance with no event for `silenceAfterMs` (several missed heartbeats) is
 * presumed dead and marked `silent`; its logs stay for investigation. A heartbeat revives it.
 * The sweep reads the candidates page by page and writes each page as one `_bulk` of updates
 * conditional on the version it read (`if_seq_no`/`if_primary_term`): a 409 means a heartbeat
 * arrived in between, and that instance is left alone. So a sweep of 100 000 instances costs
 * about 200 requests, not 200 000.
 */
import type { Client } from '@elastic/elasticsearch';
import { wrapEsError } from '../../lib/es.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { scanRegistry, type VersionedDoc } from './query.ts';

/** True when a running instance was last seen more than `silenceAfterMs` before `nowMs`. */
export function isSilent(doc: RegistryDocument, silenceAfterMs: number, nowMs: number): boolean {
  return doc.kiln.status === 'running' && Date.parse(doc.kiln.last_seen) < nowMs - silenceAfterMs;
}

/** Instances written per `_bulk`. */
const pageSize = 1000;

/** Marks silent instances; returns the ids it marked, sorted. */
export async function markSilentInstances(
  client: Client,
  names: IndexNames,
  silenceAfterMs: number,
  nowMs: number,
): Promise<string[]> {
  const cutoff = new Date(nowMs - silenceAfterMs).toISOString();
  const candidates = scanRegistry(
    client,
    names,
    { status: ['running'], lastSeenBefore: cutoff },
    { pageSize, fields: ['cloud.instance.id', 'kiln.status', 'kiln.last_seen'] },
  );
  const marked: string[] = [];
  let page: VersionedDoc[] = [];
  for await (const candidate of candidates) {
    if (!isSilent(candidate.doc, silenceAfterMs, nowMs)) continue;
    page.push(candidate);
    if (page.length === pageSize) {
      marked.push(...(await markPage(client, names, page, silenceAfterMs, nowMs)));
      page = [];
    }
  }
  if (page.length > 0) marked.push(...(await markPage(client, names, page, silenceAfterMs, nowMs)));
  return marked.sort();
}

async function markPage(
  client: Client,
  names: IndexNames,
  page: VersionedDoc[],
  silenceAfterMs: number,
  nowMs: number,
): Promise<string[]> {
  const now = new Date(nowMs).toISOString();
  const index = names.state('registry');
  const change = {
    '@timestamp': now,
    kiln: {
      status: 'silent',
      status_changed_at: now,
      status_reason: `no heartbeat for ${Math.round(silenceAfterMs / 1000)} s`,
    },
  };
  const operations = page.flatMap((v) => [
    {
      update: {
        _index: index,
        _id: v.doc.cloud.instance.id,
        if_seq_no: v.seqNo,
        if_primary_term: v.primaryTerm,
      },
    },
    { doc: change },
  ]);
  try {
    const result = await client.bulk({ operations, filter_path: 'items.*.status' } as never);
    const items = (result as { items?: Array<{ update?: { status?: number } }> }).items ?? [];
    // 409: the document changed since it was read (a heartbeat came): it is not silent.
    return page.filter((_, i) => items[i]?.update?.status === 200).map((v) => v.doc.cloud.instance.id);
  } catch (error) {
    throw wrapEsError(error, 'marking silent instances');
  }
}
