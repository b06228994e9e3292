/** The Elasticsearch bake store lists every bake, past one page, newest first (real Elasticsearch). */
import { afterAll, describe, expect, it } from 'vitest';
import { esBakeStore } from '../../bake/store/es-store.ts';
import { bakeRecord } from '../../bake/store/record.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../support/es.ts';

const client = testEsClient();
const names = uniqueNames('bakelist');
afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('esBakeStore.list', () => {
  it('lists all 2 500 bakes across pages, newest first, each once; --limit takes the newest', async () => {
    await setupStorage(client, names);
    const operations = Array.from({ length: 2500 }, (_, n) => {
      const record = bakeRecord({
        id: `bake-${String(n).padStart(4, '0')}`,
        key: `k${n}`,
        status: 'succeeded',
        // Two bakes per second: equal start times are ordered by id.
        started_at: new Date(Date.UTC(2026, 10, 1) + Math.floor(n / 2) * 1000).toISOString(),
        template: 't.json',
        artifacts: [`us-east-1:ami-${n}`],
        inputs: {},
      });
      return [{ create: { _index: names.state('bakes'), _id: record.kiln.bake.id } }, record];
    }).flat();
    const result = await client.bulk({ operations, refresh: true });
    expect(result.errors).toBe(false);
    const store = esBakeStore(client, names);
    const all = (await store.list()).map((r) => r.kiln.bake.id);
    expect(all).toHaveLength(2500);
    expect(new Set(all).size).toBe(2500);
    expect(all.slice(0, 3)).toEqual(['bake-2498', 'bake-2499', 'bake-2496']);
    expect(all.at(-1)).toBe('bake-0001');
    expect((await store.list(1500)).map((r) => r.kiln.bake.id)).toEqual(all.slice(0, 1500));
  });
});
