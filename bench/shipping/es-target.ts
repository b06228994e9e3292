/**
 * The benchmark's side of Elasticsearch: the template every peer index gets (the same settings
 * kiln's own log indices have, so the comparison is fair), counts and clean-up.
 * APIs: https://www.elastic.co/guide/en/elasticsearch/reference/8.19/rest-apis.html
 */

async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * An index template for the peers' indices: one shard, replicas 0-1 and a 5 s refresh like
 * kiln's log indices (collector/storage/templates/index-templates.ts), and the three fields every
 * shipper writes mapped as kiln maps them.
 */
export function peerTemplate(indices: string[]): Record<string, unknown> {
  return {
    index_patterns: indices,
    priority: 500,
    template: {
      settings: {
        'index.number_of_shards': 1,
        'index.auto_expand_replicas': '0-1',
        'index.refresh_interval': '5s',
      },
      mappings: {
        dynamic: true,
        properties: {
          '@timestamp': { type: 'date' },
          message: { type: 'text' },
          log: { properties: { file: { properties: { path: { type: 'keyword' } } } } },
        },
      },
    },
  };
}

/** Installs the peer template as `<name>`. */
export async function putPeerTemplate(esUrl: string, name: string, indices: string[]): Promise<void> {
  await call(`${esUrl}/_index_template/${name}`, 'PUT', peerTemplate(indices));
}

/** Refreshes, then counts the documents of an index pattern (0 while it does not exist). */
export async function countDocs(esUrl: string, pattern: string): Promise<number> {
  const q = 'allow_no_indices=true&ignore_unavailable=true';
  await call(`${esUrl}/${pattern}/_refresh?${q}`, 'POST');
  const result = (await call(`${esUrl}/${pattern}/_count?${q}`, 'GET')) as { count: number };
  return result.count;
}

/**
 * Successful indexing operations on the primaries of an index pattern, read without a refresh
 * (0 while none exists): the benchmark's progress count. A `_refresh` before every count (once a
 * second) gave every shipper's index 1 s refreshes instead of the 5 s of the template, and a
 * slower shipper more of them per document: Elasticsearch's CPU then grew with the run's length.
 * A `create` refused as a duplicate is not counted; an `index` that overwrites is, so the exact
 * figure is always `countDocs`.
 */
export async function indexedOps(esUrl: string, pattern: string): Promise<number> {
  const q = 'allow_no_indices=true&ignore_unavailable=true&filter_path=_all.primaries.indexing.index_total';
  const result = (await call(`${esUrl}/${pattern}/_stats/indexing?${q}`, 'GET')) as {
    _all?: { primaries?: { indexing?: { index_total?: number } } };
  };
  return result._all?.primaries?.indexing?.index_total ?? 0;
}

/** Deletes indices (a comma-separated list of names or patterns) and a template. */
export async function dropIndices(esUrl: string, pattern: string, template?: string): Promise<void> {
  await call(
    `${esUrl}/${pattern}?allow_no_indices=true&ignore_unavailable=true&expand_wildcards=all`,
    'DELETE',
  );
  if (template) {
    await fetch(`${esUrl}/_index_template/${template}`, { method: 'DELETE' }).catch(() => undefined);
  }
}

/** Disk used by an index pattern's primaries (store size), in bytes. */
export async function storeBytes(esUrl: string, pattern: string): Promise<number> {
  const stats = (await call(`${esUrl}/${pattern}/_stats/store?allow_no_indices=true`, 'GET')) as {
    _all?: { primaries?: { store?: { size_in_bytes?: number } } };
  };
  return stats._all?.primaries?.store?.size_in_bytes ?? 0;
}

/** One document of an index pattern, to show what a shipper produced. */
export async function sampleDoc(esUrl: string, pattern: string): Promise<unknown> {
  const result = (await call(`${esUrl}/${pattern}/_search?size=1`, 'GET')) as {
    hits: { hits: Array<{ _source: unknown }> };
  };
  return result.hits.hits[0]?._source;
}

/** How many throwaway documents warm a fresh Elasticsearch up. */
export const warmUpDocs = 200_000;

/**
 * Warms a freshly started Elasticsearch: a JVM's first hundred thousand documents cost several
 * times the CPU of later ones (JIT compilation), which would otherwise be charged to whichever
 * shipper runs first. Indexes `docs` synthetic log documents (with and without ids, so both
 * write paths compile) into a throwaway index, then deletes it.
 */
export async function warmUpEs(esUrl: string, prefix: string, docs = warmUpDocs): Promise<void> {
  const index = `${prefix}-warmup`;
  const perRequest = 2000;
  for (let start = 0; start < docs; start += perRequest) {
    let body = '';
    for (let i = start; i < Math.min(docs, start + perRequest); i++) {
      const action =
        i % 2 === 0 ? { create: { _index: index, _id: `w${i}` } } : { create: { _index: index } };
      const doc = {
        '@timestamp': new Date().toISOString(),
        message: `10.0.${i % 256}.${i % 7} - - "GET /warm/${i} HTTP/1.1" 200 ${i % 5000}`,
        log: { file: { path: `/var/log/warm-${i % 4}.log` }, offset: i * 120 },
        host: { name: 'warm' },
        event: { id: `e${i}` },
      };
      body += `${JSON.stringify(action)}\n${JSON.stringify(doc)}\n`;
    }
    const response = await fetch(`${esUrl}/_bulk?filter_path=errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
      signal: AbortSignal.timeout(120_000),
    });
    if (!response.ok) throw new Error(`warm-up _bulk answered ${response.status}`);
    await response.arrayBuffer();
  }
  await dropIndices(esUrl, index);
}
