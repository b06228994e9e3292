import { describe, expect, it } from 'vitest';
import type { ImageHealth } from '../../../collector/images/health.ts';
import { imageDecisionId, planImageDecisions } from '../../../collector/policy/bad-image.ts';
import { planDecisions } from '../../../collector/policy/planner.ts';
import { baseMs, dayMs, policyOf, registryDoc } from './fleet-fixture.ts';

const counts = (launched: number, silentEarly: number) => ({
  launched,
  running: launched - silentEarly,
  silentEarly,
  agentRestarts: 0,
  crashLooping: 0,
  drifted: 0,
  terminatedEarly: 0,
  errorLines: 0,
  instanceHours: 1,
});
const share = (count: number, of: number) => ({
  count,
  of,
  share: of ? Math.round((count / of) * 10_000) / 10_000 : 0,
});
const health = (imageId: string, launched: number, silent: number, baseline?: string): ImageHealth => ({
  imageId,
  groups: ['web'],
  firstLaunch: '2026-03-02T11:00:00.000Z',
  silentEarlyInstances: [],
  counts: counts(launched, silent),
  rates: {
    silentEarly: share(silent, launched),
    crashLooping: share(0, launched),
    drifted: share(0, launched),
    terminatedEarly: share(0, launched),
    errorLinesPerInstanceHour: { count: 0, instanceHours: 1, rate: 0 },
  },
  ...(baseline
    ? { baseline: { imageId: baseline, via: 'lineage' as const, counts: counts(4, 0), rates: {} as never } }
    : {}),
});
const policy = (extra: Record<string, unknown> = {}) =>
  policyOf({
    onBadImage: { when: { silentWithin: '15m', share: 0.2, minInstances: 5 } },
    action: { type: 'aws-asg' },
    ...extra,
  });
const mark = (image_id: string) => ({
  image_id,
  state: 'bad' as const,
  reason: 'r',
  marked_at: '2026-03-01T00:00:00.000Z',
  decision_id: 'd',
  marked_by: 'test',
});

describe('planImageDecisions', () => {
  it.each([
    ['under minInstances', health('ami-b', 4, 4, 'ami-a'), []],
    ['under the share', health('ami-b', 10, 1, 'ami-a'), []],
  ])('decides nothing %s', (_name, h, expected) => {
    expect(planImageDecisions([h], [], policy())).toEqual(expected);
  });

  it('takes a rollback at the share, once per image (deterministic id), with its evidence', () => {
    const [d] = planImageDecisions([health('ami-b', 5, 1, 'ami-a')], [], policy());
    expect(d).toEqual({
      id: imageDecisionId('test', 'ami-b'),
      imageId: 'ami-b',
      rollbackTo: 'ami-a',
      via: 'lineage',
      groups: ['web'],
      kind: 'rollback',
      outcome: 'taken',
      reason: 'image_failing',
      reasonText:
        '1 of 5 instances (20%) went silent within 15m of boot, at or over onBadImage.when.share 20%: roll back web to ami-a (the image it replaced, by lineage)',
      evidence: { launched: 5, silentEarly: 1, share: 0.2, silentEarlyInstances: [] },
    });
    expect(planImageDecisions([health('ami-b', 5, 1, 'ami-a')], [mark('ami-b')], policy())).toEqual([]);
  });

  it('never rolls back to an image marked bad, nor without a target, nor with the kill switch on', () => {
    const [toBad] = planImageDecisions([health('ami-b', 5, 5, 'ami-a')], [mark('ami-a')], policy());
    expect([toBad!.outcome, toBad!.reason]).toEqual(['skipped', 'target_bad']);
    expect(toBad!.reasonText).toContain(
      'the image it replaced, ami-a, is itself marked bad, and kiln never rolls back to a bad image',
    );
    const [none] = planImageDecisions([health('ami-b', 5, 5)], [], policy());
    expect([none!.outcome, none!.reason, none!.rollbackTo]).toEqual(['skipped', 'no_target', undefined]);
    const [ungrouped] = planImageDecisions([{ ...health('ami-b', 5, 5, 'ami-a'), groups: [] }], [], policy());
    expect([ungrouped!.outcome, ungrouped!.reason, ungrouped!.rollbackTo]).toEqual([
      'skipped',
      'no_target',
      'ami-a',
    ]);
    expect(ungrouped!.reasonText).toContain('its instances name no group (kiln.group)');
    const [killed] = planImageDecisions([health('ami-b', 5, 5, 'ami-a')], [], policy({ killSwitch: true }));
    expect([killed!.outcome, killed!.reason]).toEqual(['skipped', 'kill_switch']);
  });
});

describe('planDecisions with a rolled-back image', () => {
  it("queues the bad image's instances (bad_image) under the same budgets, and leaves the others alone", () => {
    const docs = [
      registryDoc({ id: 'i-a1', ageMs: 2 * dayMs, group: 'web', image: 'ami-a' }),
      registryDoc({ id: 'i-a2', ageMs: 2 * dayMs, group: 'web', image: 'ami-a' }),
      registryDoc({ id: 'i-b1', ageMs: 3_600_000, group: 'web', image: 'ami-b' }),
      registryDoc({
        id: 'i-b2',
        ageMs: 3_500_000,
        group: 'web',
        image: 'ami-b',
        status: 'silent',
        silentForMs: 3_000_000,
      }),
    ];
    const p = policy({ safety: { maxConcurrent: 1, minHealthyShare: 0.5 } });
    expect(planDecisions(docs, p, baseMs, [])).toEqual([]);
    const decided = planDecisions(docs, p, baseMs, [], [{ imageId: 'us-east-1:ami-b', rollbackTo: 'ami-a' }]);
    expect(decided.map((d) => [d.order, d.instanceId, d.trigger, d.outcome, d.reason])).toEqual([
      [1, 'i-b1', 'bad_image', 'taken', 'image_rolled_back'],
      [2, 'i-b2', 'bad_image', 'deferred', 'budget_spent'],
    ]);
    expect(decided[0]!.reasonText).toBe(
      'its image ami-b was marked bad and its group launches ami-a again: replaced by an instance of ami-a',
    );
  });
});
