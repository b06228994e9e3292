import { describe, expect, it } from 'vitest';
import { bareImageId, findParentBake, imageRows } from '../../bake/lineage.ts';
import { type BakeFields, bakeRecord } from '../../bake/store/record.ts';

const bake = (fields: Partial<BakeFields> & Pick<BakeFields, 'id'>) =>
  bakeRecord({
    key: `k-${fields.id}`,
    status: 'succeeded',
    started_at: '2026-11-22T08:00:00.000Z',
    template: 't.json',
    artifacts: [],
    inputs: {},
    ...fields,
  });

describe('lineage', () => {
  const base = bake({
    id: 'b1',
    source_image: 'ami-debian',
    artifacts: ['us-east-1:ami-base'],
    duration_ms: 60_000,
  });
  const app = bake({
    id: 'b2',
    source_image: 'ami-base',
    parent_bake: 'b1',
    artifacts: ['us-east-1:ami-app', 'eu-west-1:ami-app-eu'],
    started_at: '2026-11-22T09:00:00.000Z',
  });
  const failed = bake({
    id: 'b3',
    status: 'failed',
    source_image: 'ami-app',
    started_at: '2026-11-22T10:00:00.000Z',
  });

  it.each([
    ['us-east-1:ami-1', 'ami-1'],
    ['ami-1', 'ami-1'],
    ['Null', 'Null'],
  ])('bare image id of %s is %s', (id, bare) => {
    expect(bareImageId(id)).toBe(bare);
  });

  it('finds the successful bake whose artifact is the source image, ignoring failures and regions', () => {
    expect(findParentBake([failed, app, base], 'ami-app')).toBe('b2');
    expect(findParentBake([failed, app, base], 'us-east-1:ami-base')).toBe('b1');
    expect(findParentBake([failed, app, base], 'ami-debian')).toBeUndefined();
    expect(findParentBake([failed, app, base], undefined)).toBeUndefined();
  });

  it('lists rows with depth and the instances running each image (by image id or bake id)', () => {
    const rows = imageRows(
      [failed, app, base],
      [
        { instanceId: 'i-2', imageId: 'ami-app-eu' },
        { instanceId: 'i-1', imageId: 'ami-app' },
        { instanceId: 'i-3', bakeId: 'b1' },
        { instanceId: 'i-4', imageId: 'ami-other' },
      ],
    );
    expect(rows.map((r) => [r.bakeId, r.status, r.depth, r.instances])).toEqual([
      ['b3', 'failed', 0, []],
      ['b2', 'succeeded', 1, ['i-1', 'i-2']],
      ['b1', 'succeeded', 0, ['i-3']],
    ]);
    expect(rows[2]).toMatchObject({ sourceImage: 'ami-debian', durationMs: 60_000, key: 'k-b1' });
  });
});
