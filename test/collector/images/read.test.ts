/** Reading image health's inputs from the real Elasticsearch: composite aggregations page past their bucket size. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAgentStarts, readErrorLines } from '../../../collector/images/read.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';

const client = testEsClient();
const names = uniqueNames('imgread');
const nowMs = Date.now();
const instances = 1_700;

beforeAll(async () => {
  await setupStorage(client, names);
  const ops: Record<string, unknown>[] = [];
  const at = new Date(nowMs - 60_000).toISOString();
  for (let n = 0; n < instances; n++) {
    const id = `i-${String(n).padStart(5, '0')}`;
    const image = `ami-${String(n % 1_600).padStart(5, '0')}`;
    // Every instance starts its agent once in boot b1; every 10th twice more in b1 and once in b2.
    const starts =
      n % 10 === 0
        ? [
            ['b1', 3],
            ['b2', 1],
          ]
        : [['b1', 1]];
    for (const [boot, count] of starts as [string, number][])
      for (let k = 0; k < count; k++)
        ops.push(
          { create: { _index: names.daily('lifecycle', nowMs) } },
          {
            '@timestamp': at,
            cloud: { instance: { id }, image: { id: image } },
            host: { boot: { id: boot } },
            kiln: { kind: 'lifecycle', lifecycle: { phase: k === 0 && n === 1 ? 'shutdown' : 'start' } },
          },
        );
    ops.push(
      { create: { _index: names.daily('logs', nowMs) } },
      {
        '@timestamp': at,
        message: 'x',
        log:
          n % 2 === 0
            ? { level: 'error' }
            : { level: 'info', syslog: { severity: { code: n % 4 === 1 ? 3 : 6 } } },
        cloud: { instance: { id }, image: { id: image } },
        kiln: { kind: 'log' },
      },
    );
  }
  const result = await client.bulk({ operations: ops, refresh: true });
  expect(result.errors).toBe(false);
}, 120_000);

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('readHealthInputs pieces', () => {
  it('agent starts per instance and boot, past 1000 buckets', async () => {
    const starts = await readAgentStarts(client, names);
    // i-00001's only event is a shutdown, not a start.
    expect(starts.size).toBe(instances - 1);
    expect(starts.get('i-00000')).toEqual(
      new Map([
        ['b1', 3],
        ['b2', 1],
      ]),
    );
    expect(starts.get('i-00002')).toEqual(new Map([['b1', 1]]));
    expect(starts.has('i-00001')).toBe(false);
    expect(
      [...starts.values()].reduce((n, boots) => n + [...boots.values()].reduce((a, b) => a + b, 0), 0),
    ).toBe(instances - 1 + (instances / 10) * 3);
  });

  it('error lines per image (an error level, or syslog severity 3 or worse), past 1000 buckets', async () => {
    const errors = await readErrorLines(client, names);
    // Even instances log level error (850); odd ones with n % 4 == 1 severity 3 (425).
    const expected = new Map<string, number>();
    for (let n = 0; n < instances; n++) {
      if (n % 2 !== 0 && n % 4 !== 1) continue;
      const image = `ami-${String(n % 1_600).padStart(5, '0')}`;
      expected.set(image, (expected.get(image) ?? 0) + 1);
    }
    expect(expected.size).toBe(1_200);
    expect(errors).toEqual(expected);
    expect(errors.get('ami-00000')).toBe(2); // i-00000 and i-01600
    expect(errors.get('ami-00003')).toBeUndefined(); // i-00003: info, severity 6
  });
});
