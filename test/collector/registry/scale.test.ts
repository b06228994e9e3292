/**
 * Issue 16: a registry larger than one search page. 12 000 instances (written with `_bulk`, as
 * the registry updater writes them) are all listed by `kiln fleet --json` and all swept for
 * silence; a `--limit` says how many there are in all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countInstances, markSilentInstances, readRegistry } from '../../../collector/registry/index.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import type { RegistryDocument } from '../../../lib/fleet.ts';
import { runKiln } from '../../dashboards/run-kiln.ts';
import { dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../../support/es.ts';
import { registryDoc } from '../policy/fleet-fixture.ts';

const client = testEsClient();
const names = uniqueNames('scale');
const count = 12_000;
const nowMs = Date.now();
const id = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;

beforeAll(async () => {
  await setupStorage(client, names);
  for (let start = 0; start < count; start += 2000) {
    const operations: unknown[] = [];
    for (let n = start; n < Math.min(count, start + 2000); n++) {
      const doc: RegistryDocument = registryDoc(
        { id: id(n), ageMs: (n + 1) * 60_000, silentForMs: 3_600_000 },
        nowMs,
      );
      operations.push({ create: { _index: names.state('registry'), _id: id(n) } }, doc);
    }
    const result = await client.bulk({ operations: operations as never, refresh: start + 2000 >= count });
    expect(result.errors).toBe(false);
  }
});

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

const kiln = (...args: string[]) =>
  runKiln([...args, '--es-url', testEsUrl(), '--index-prefix', names.prefix]);

describe(`a registry of ${count} instances`, () => {
  it('kiln fleet --json lists every one of them, once', async () => {
    const run = await kiln('fleet', '--json');
    expect(run.code).toBe(0);
    const docs = JSON.parse(run.stdout) as RegistryDocument[];
    expect(docs).toHaveLength(count);
    expect(new Set(docs.map((d) => d.cloud.instance.id)).size).toBe(count);
    expect(await countInstances(client, names)).toBe(count);
    expect((await readRegistry(client, names)).length).toBe(count);
  });

  it('kiln fleet --limit shows the oldest first with --sort age and says how many there are', async () => {
    const run = await kiln('fleet', '--sort', 'age', '--limit', '3');
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows[2]!.startsWith(id(count - 1))).toBe(true);
    expect(rows[4]!.startsWith(id(count - 3))).toBe(true);
    expect(rows.at(-1)).toBe(`${count} instances (3 shown; --limit)`);
    expect((await kiln('fleet', '--sort', 'size')).stderr).toBe(
      'kiln: --sort expects one of last-seen, age, instance, image, status; got "size"\n',
    );
  });

  it('one silence sweep reaches all of them, and the next finds none left', async () => {
    const marked = await markSilentInstances(client, names, 300_000, nowMs);
    expect(marked).toHaveLength(count);
    await client.indices.refresh({ index: names.state('registry') });
    expect(await countInstances(client, names, { status: ['silent'] })).toBe(count);
    expect(await markSilentInstances(client, names, 300_000, nowMs)).toEqual([]);
  });
});
