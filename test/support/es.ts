/** Test helpers around the real Elasticsearch of the run: a client, a unique prefix, counts. */
import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { inject } from 'vitest';
import { createEsClient } from '../../lib/es.ts';
import { type IndexNames, indexNames } from '../../lib/indices.ts';

/** The URL of the run's Elasticsearch. */
export function testEsUrl(): string {
  return inject('esUrl');
}

/** A client for the run's Elasticsearch. */
export function testEsClient(): Client {
  return createEsClient({ url: testEsUrl(), maxRetries: 2 });
}

/** Index names under a prefix no other test uses. */
export function uniqueNames(label: string): IndexNames {
  return indexNames(`t-${label}-${randomBytes(4).toString('hex')}`);
}

/** Refreshes and counts the documents matching `index` (a name or pattern). */
export async function countDocs(
  client: Client,
  index: string,
  query?: Record<string, unknown>,
): Promise<number> {
  await client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
  const result = await client.count({
    index,
    allow_no_indices: true,
    ignore_unavailable: true,
    ...(query ? { query } : {}),
  });
  return result.count;
}

/** Deletes every index and template of a prefix (test clean-up). */
export async function dropPrefix(client: Client, names: IndexNames): Promise<void> {
  await client.indices.delete(
    { index: `${names.prefix}-*`, allow_no_indices: true, ignore_unavailable: true },
    { ignore: [404] },
  );
  const templates = await client.indices.getIndexTemplate({ name: `${names.prefix}-*` }, { ignore: [404] });
  for (const t of templates.index_templates ?? []) {
    await client.indices.deleteIndexTemplate({ name: t.name }, { ignore: [404] });
  }
}
