/**
 * The ceiling of the comparison: a plain Node program that reads the files and posts `_bulk`
 * batches straight to Elasticsearch with undici, keeping a few requests in flight. It retries
 * items refused with 429 and exits non-zero if any item failed otherwise.
 * Usage: node bulk-loader-process.ts ES_URL INDEX BATCH_EVENTS CONCURRENCY FILE...
 * Bulk API: https://www.elastic.co/guide/en/elasticsearch/reference/8.19/docs-bulk.html
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';

const [esUrl, index, batchArg, concurrencyArg, ...files] = process.argv.slice(2);
if (!esUrl || !index || !batchArg || !concurrencyArg || files.length === 0) {
  process.stderr.write('usage: bulk-loader-process.ts ES_URL INDEX BATCH_EVENTS CONCURRENCY FILE...\n');
  process.exit(2);
}
const batchEvents = Number(batchArg);
const concurrency = Number(concurrencyArg);
const pool = new Pool(esUrl, { connections: concurrency, pipelining: 1 });
const action = `${JSON.stringify({ index: { _index: index } })}\n`;
const inFlight = new Set<Promise<void>>();
let failed = 0;

interface BulkResponse {
  errors: boolean;
  items: Array<Record<string, { status: number; error?: { reason?: string } }>>;
}

async function post(lines: string[]): Promise<void> {
  let pending = lines;
  while (pending.length > 0) {
    const response = await pool.request({
      path: '/_bulk',
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: pending.join(''),
    });
    const text = await response.body.text();
    if (response.statusCode === 429 || response.statusCode === 503) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (response.statusCode !== 200)
      throw new Error(`_bulk answered ${response.statusCode}: ${text.slice(0, 300)}`);
    const result = JSON.parse(text) as BulkResponse;
    if (!result.errors) return;
    const retry: string[] = [];
    result.items.forEach((item, i) => {
      const outcome = Object.values(item)[0]!;
      if (outcome.status === 429) retry.push(pending[i]!);
      else if (outcome.status >= 300) {
        failed++;
        if (failed <= 5) process.stderr.write(`item refused: ${outcome.status} ${outcome.error?.reason}\n`);
      }
    });
    pending = retry;
  }
}

async function send(lines: string[]): Promise<void> {
  while (inFlight.size >= concurrency) await Promise.race(inFlight);
  const request = post(lines).finally(() => inFlight.delete(request));
  inFlight.add(request);
}

for (const file of files) {
  const reader = createInterface({
    input: createReadStream(file, { highWaterMark: 1 << 20 }),
    crlfDelay: Infinity,
  });
  let batch: string[] = [];
  for await (const line of reader) {
    const doc = { '@timestamp': new Date().toISOString(), message: line, log: { file: { path: file } } };
    batch.push(`${action}${JSON.stringify(doc)}\n`);
    if (batch.length >= batchEvents) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
}
await Promise.all(inFlight);
await pool.close();
if (failed > 0) {
  process.stderr.write(`${failed} items refused\n`);
  process.exit(1);
}
