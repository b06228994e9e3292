/**
 * The Elasticsearch bake store: records in `<prefix>-bakes` (`_id` = bake id), locks as
 * create-only documents (`op_type=create`, `_id` = `lock-<key>`): Elasticsearch accepts exactly
 * one create of an id, so two bake hosts never both run the same key.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-index_.html#docs-index-api-op_type
 */
import type { Client } from '@elastic/elasticsearch';
import { scanRegistry } from '../../collector/registry/index.ts';
import { esStatusOf, wrapEsError } from '../../lib/es.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { InstanceRef } from '../lineage.ts';
import { esImageMarks } from './es-marks.ts';
import type { BakeRecord, BakeStore } from './record.ts';

interface LockDocument {
  '@timestamp': string;
  kiln: { kind: 'bake_lock'; bake: { id: string; key: string } };
}

/** Bake records per page of a listing. */
const pageSize = 1000;

/** A store in the bakes index of `names`. */
export function esBakeStore(client: Client, names: IndexNames, url = ''): BakeStore {
  const index = names.state('bakes');
  const lockId = (key: string) => `lock-${key}`;
  const search = async (query: Record<string, unknown>, size: number): Promise<BakeRecord[]> => {
    try {
      const result = await client.search<BakeRecord>({
        index,
        size,
        query,
        sort: [{ 'kiln.bake.started_at': { order: 'desc' } }],
        ignore_unavailable: true,
        allow_no_indices: true,
      });
      return result.hits.hits.flatMap((h) => (h._source ? [h._source] : []));
    } catch (error) {
      throw wrapEsError(error, `searching the bakes in ${index}`, url);
    }
  };
  return {
    ...esImageMarks(client, names, url),
    where: `Elasticsearch ${url ? `${url}/` : ''}${index}`,
    findSucceeded: async (key) => {
      const hits = await search(
        {
          bool: {
            filter: [
              { term: { 'kiln.kind': 'bake' } },
              { term: { 'kiln.bake.key': key } },
              { term: { 'kiln.bake.status': 'succeeded' } },
            ],
          },
        },
        1,
      );
      return hits[0];
    },
    save: async (record) => {
      try {
        await client.index({ index, id: record.kiln.bake.id, document: record, refresh: 'wait_for' });
      } catch (error) {
        throw wrapEsError(error, `recording bake ${record.kiln.bake.id} in ${index}`, url);
      }
    },
    list: async (limit = Number.POSITIVE_INFINITY) => {
      // Every bake, page by page (search_after on start time, then id): lineage and image
      // health need all of them, not the newest page.
      const out: BakeRecord[] = [];
      let after: unknown[] | undefined;
      while (out.length < limit) {
        const size = Math.min(pageSize, limit - out.length);
        let hits: Array<{ _source?: BakeRecord; sort?: unknown[] }>;
        try {
          const result = await client.search<BakeRecord>({
            index,
            size,
            query: { term: { 'kiln.kind': 'bake' } },
            sort: [{ 'kiln.bake.started_at': { order: 'desc' } }, { 'kiln.bake.id': { order: 'asc' } }],
            ignore_unavailable: true,
            allow_no_indices: true,
            ...(after ? { search_after: after as never } : {}),
          });
          hits = result.hits.hits;
        } catch (error) {
          throw wrapEsError(error, `listing the bakes in ${index}`, url);
        }
        for (const h of hits) if (h._source) out.push(h._source);
        if (hits.length < size) break;
        after = hits.at(-1)!.sort;
      }
      return out;
    },
    tryLock: async (lock) => {
      const document: LockDocument = {
        '@timestamp': new Date(lock.acquiredAtMs).toISOString(),
        kiln: { kind: 'bake_lock', bake: { id: lock.bakeId, key: lock.key } },
      };
      try {
        await client.create({ index, id: lockId(lock.key), document });
        return { acquired: true };
      } catch (error) {
        if (esStatusOf(error) !== 409) throw wrapEsError(error, `locking bake key ${lock.key}`, url);
      }
      const held = await client.get<LockDocument>({ index, id: lockId(lock.key) }, { ignore: [404] });
      if (!held.found || !held._source) return { acquired: false, holder: { ...lock, bakeId: 'unknown' } };
      return {
        acquired: false,
        holder: {
          key: lock.key,
          bakeId: held._source.kiln.bake.id,
          acquiredAtMs: Date.parse(held._source['@timestamp']),
        },
      };
    },
    instances: async () => {
      const refs: InstanceRef[] = [];
      const fields = ['cloud.instance.id', 'cloud.image.id', 'kiln.bake.id', 'kiln.status'];
      for await (const { doc } of scanRegistry(client, names, {}, { fields })) {
        if (!doc?.cloud?.instance?.id) continue;
        const ref: InstanceRef = { instanceId: doc.cloud.instance.id };
        if (doc.cloud.image?.id) ref.imageId = doc.cloud.image.id;
        if (doc.kiln?.bake?.id) ref.bakeId = doc.kiln.bake.id;
        if (doc.kiln?.status) ref.status = doc.kiln.status;
        refs.push(ref);
      }
      return refs;
    },
    unlock: async (key, bakeId) => {
      const held = await client.get<LockDocument>({ index, id: lockId(key) }, { ignore: [404] });
      if (!held.found || held._source?.kiln.bake.id !== bakeId) return;
      // Delete only the version we read, so a lock taken over in between is left alone.
      await client.delete(
        { index, id: lockId(key), if_seq_no: held._seq_no!, if_primary_term: held._primary_term! },
        { ignore: [404, 409] },
      );
    },
  };
}

/**
 * The id of the latest successful bake that produced `imageId` (an artifact id is `ami-…` or,
 * as Packer's amazon builders report it, `region:ami-…`), or undefined. The collector uses it
 * to tell which bake an attested image came from.
 */
export async function findBakeOfImage(
  client: Client,
  names: IndexNames,
  imageId: string,
  region?: string,
): Promise<string | undefined> {
  const index = names.state('bakes');
  try {
    const result = await client.search<BakeRecord>({
      index,
      size: 1,
      query: {
        bool: {
          filter: [
            { term: { 'kiln.kind': 'bake' } },
            { term: { 'kiln.bake.status': 'succeeded' } },
            { terms: { 'kiln.bake.artifacts': region ? [imageId, `${region}:${imageId}`] : [imageId] } },
          ],
        },
      },
      sort: [{ 'kiln.bake.started_at': { order: 'desc' } }],
      _source: ['kiln.bake.id'],
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    return result.hits.hits[0]?._source?.kiln.bake.id;
  } catch (error) {
    throw wrapEsError(error, `looking up the bake of image ${imageId} in ${index}`);
  }
}
