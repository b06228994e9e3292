/**
 * Image marks in the Elasticsearch bake store: one create-only document per image
 * (`_id` = `image-mark-<image>`, `op_type=create`), so of two collectors marking the same image at
 * once exactly one creates it (the other gets 409 and reads the winner's mark); the image's bake
 * records get `kiln.bake.marked_bad`. Read back page by page with `search_after`.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-index_.html#docs-index-api-op_type
 */
import type { Client } from '@elastic/elasticsearch';
import { esStatusOf, wrapEsError } from '../../lib/es.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { bareImageId } from '../lineage.ts';
import type { BakeRecord, ImageMark, ImageMarkStore, MarkResult } from './record.ts';

interface MarkDocument {
  '@timestamp': string;
  message: string;
  kiln: { kind: 'image_mark'; image_mark: ImageMark };
}

/** The document id of an image's mark. */
export function imageMarkId(imageId: string): string {
  return `image-mark-${bareImageId(imageId)}`;
}

/** Marks in the bakes index of `names`. */
export function esImageMarks(client: Client, names: IndexNames, url = ''): ImageMarkStore {
  const index = names.state('bakes');
  const bakesOf = async (imageId: string): Promise<{ id: string; record: BakeRecord }[]> => {
    const bare = bareImageId(imageId);
    const result = await client.search<BakeRecord>({
      index,
      size: 100,
      query: {
        bool: {
          filter: [{ term: { 'kiln.kind': 'bake' } }, { terms: { 'kiln.bake.artifacts': [bare, imageId] } }],
        },
      },
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const direct = result.hits.hits.flatMap((h) => (h._source ? [{ id: h._id!, record: h._source }] : []));
    if (direct.length > 0) return direct;
    // Packer's amazon builders record `region:ami-…`: match those by the bare id.
    const regional = await client.search<BakeRecord>({
      index,
      size: 100,
      query: {
        bool: {
          filter: [{ term: { 'kiln.kind': 'bake' } }, { wildcard: { 'kiln.bake.artifacts': `*:${bare}` } }],
        },
      },
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    return regional.hits.hits.flatMap((h) => (h._source ? [{ id: h._id!, record: h._source }] : []));
  };
  const read = async (imageId: string): Promise<ImageMark | undefined> => {
    const got = await client.get<MarkDocument>({ index, id: imageMarkId(imageId) }, { ignore: [404] });
    return got.found ? got._source?.kiln.image_mark : undefined;
  };
  return {
    async markImageBad(mark): Promise<MarkResult> {
      try {
        const bakes = await bakesOf(mark.image_id);
        const full: ImageMark = bakes.length > 0 ? { ...mark, bake_ids: bakes.map((b) => b.id) } : mark;
        const document: MarkDocument = {
          '@timestamp': mark.marked_at,
          message: `image ${mark.image_id} marked bad: ${mark.reason}`,
          kiln: { kind: 'image_mark', image_mark: full },
        };
        try {
          await client.create({ index, id: imageMarkId(mark.image_id), document, refresh: 'wait_for' });
        } catch (error) {
          if (esStatusOf(error) !== 409) throw error;
          const existing = await read(mark.image_id);
          return { created: false, mark: existing ?? full };
        }
        for (const bake of bakes) {
          await client.update({
            index,
            id: bake.id,
            refresh: 'wait_for',
            doc: {
              kiln: {
                bake: {
                  marked_bad: {
                    image_id: mark.image_id,
                    at: mark.marked_at,
                    reason: mark.reason,
                    decision_id: mark.decision_id,
                  },
                },
              },
            },
          });
        }
        return { created: true, mark: full };
      } catch (error) {
        throw wrapEsError(error, `marking image ${mark.image_id} bad in ${index}`, url);
      }
    },
    async updateImageMark(imageId, patch) {
      try {
        await client.update({
          index,
          id: imageMarkId(imageId),
          refresh: 'wait_for',
          doc: { kiln: { image_mark: patch } },
        });
      } catch (error) {
        throw wrapEsError(error, `recording the rollback of image ${imageId} in ${index}`, url);
      }
    },
    async imageMarks() {
      const out: ImageMark[] = [];
      let after: unknown[] | undefined;
      const pageSize = 500;
      try {
        for (;;) {
          const page = await client.search<MarkDocument>({
            index,
            size: pageSize,
            query: { term: { 'kiln.kind': 'image_mark' } },
            sort: [{ 'kiln.image_mark.image_id': 'asc' }] as never,
            ignore_unavailable: true,
            allow_no_indices: true,
            ...(after ? { search_after: after as never } : {}),
          });
          const hits = page.hits.hits;
          for (const h of hits) if (h._source) out.push(h._source.kiln.image_mark);
          if (hits.length < pageSize) return out;
          after = hits.at(-1)!.sort;
        }
      } catch (error) {
        throw wrapEsError(error, `reading the image marks in ${index}`, url);
      }
    },
  };
}
