import { afterAll, describe, expect, it } from 'vitest';
import { enforceRetention, selectExpiredIndices } from '../../../collector/storage/retention.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';

const now = Date.UTC(2026, 10, 22, 12);

describe('selectExpiredIndices', () => {
  it('selects kiln daily indices whose whole day is older than the retention', () => {
    const infos = [
      { name: 'kiln-logs-2026.11.10', managedBy: 'kiln' },
      { name: 'kiln-logs-2026.11.11', managedBy: 'kiln' },
      { name: 'kiln-logs-2026.11.12', managedBy: 'kiln' },
      { name: 'kiln-facts-2026.01.01', managedBy: 'kiln' },
      { name: 'kiln-logs-2026.11.01', managedBy: undefined },
      { name: 'kiln-registry', managedBy: 'kiln' },
    ];
    expect(selectExpiredIndices(infos, 'kiln', { logs: 10 }, now)).toEqual([
      'kiln-logs-2026.11.10',
      'kiln-logs-2026.11.11',
    ]);
  });
});

describe('enforceRetention against the real Elasticsearch', () => {
  const client = testEsClient();
  const names = uniqueNames('ret');
  afterAll(async () => {
    await dropPrefix(client, names);
    await client.close();
  });

  it('deletes exactly the expired kiln indices and nothing else', async () => {
    await setupStorage(client, names);
    const p = names.prefix;
    const kilnIndices = [
      `${p}-logs-2026.11.01`,
      `${p}-logs-2026.11.15`,
      `${p}-logs-2026.11.22`,
      `${p}-drift-2026.10.01`,
    ];
    for (const index of kilnIndices) await client.indices.create({ index });
    // Same name shape but not made from kiln's template: must survive.
    await client.indices.create(
      { index: `${p}-logs-2026.10.01`, mappings: { _meta: { managed_by: 'someone-else' } } },
      {},
    );
    await client.indices.putIndexTemplate({
      name: `${p}-foreign`,
      index_patterns: [`${p}-foreign-*`],
      priority: 300,
    });
    await client.indices.create({ index: `${p}-foreign-2020.01.01` });

    const deleted = await enforceRetention(client, names, { logs: 14, drift: 30 }, now);
    expect(deleted).toEqual([`${p}-drift-2026.10.01`, `${p}-logs-2026.11.01`]);
    const left = Object.keys(await client.indices.get({ index: `${p}-*` })).sort();
    expect(left).toEqual(
      [
        `${p}-bakes`,
        `${p}-foreign-2020.01.01`,
        `${p}-logs-2026.10.01`,
        `${p}-logs-2026.11.15`,
        `${p}-logs-2026.11.22`,
        `${p}-registry`,
        `${p}-tokens`,
      ].sort(),
    );
  });
});
