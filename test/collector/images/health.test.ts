import { describe, expect, it } from 'vitest';
import {
  baselineOf,
  computeImageHealth,
  defaultHealthOptions,
  silentSoonAfterBoot,
} from '../../../collector/images/health.ts';
import { baseMs, dayMs, registryDoc } from '../policy/fleet-fixture.ts';

const minute = 60_000;
const hour = 60 * minute;

describe('computeImageHealth', () => {
  const docs = [
    // A: 3 instances, 2 days each; one drifted; one terminated after 30 minutes (early).
    registryDoc({ id: 'i-a1', ageMs: 2 * dayMs, group: 'web', image: 'ami-a' }),
    registryDoc({ id: 'i-a2', ageMs: 2 * dayMs + minute, group: 'web', image: 'ami-a', driftedForMs: hour }),
    {
      ...registryDoc({
        id: 'i-a3',
        ageMs: 3 * dayMs,
        group: 'web',
        image: 'ami-a',
        status: 'terminated',
        silentForMs: 3 * dayMs - 30 * minute,
      }),
    },
    // B: 4 instances 1 hour old; two silent 3 minutes after launch, one silent after 20 minutes (not early).
    registryDoc({ id: 'i-b1', ageMs: hour, group: 'web', image: 'ami-b' }),
    registryDoc({
      id: 'i-b2',
      ageMs: hour,
      group: 'web',
      image: 'ami-b',
      status: 'silent',
      silentForMs: 57 * minute,
    }),
    registryDoc({
      id: 'i-b3',
      ageMs: hour,
      group: 'web',
      image: 'ami-b',
      status: 'silent',
      silentForMs: 57 * minute,
    }),
    registryDoc({
      id: 'i-b4',
      ageMs: hour,
      group: 'web',
      image: 'ami-b',
      status: 'silent',
      silentForMs: 40 * minute,
    }),
  ];
  const inputs = {
    instances: docs,
    agentStarts: new Map([
      ['i-b1', new Map([['boot-1', 5]])],
      [
        'i-a1',
        new Map([
          ['boot-1', 1],
          ['boot-2', 2],
        ]),
      ],
    ]),
    errorLines: new Map([
      ['ami-b', 30],
      ['ami-a', 12],
    ]),
    parents: new Map<string, string>(),
  };
  const [b, a] = computeImageHealth(inputs, baseMs);

  it('counts each image, with the counts behind every rate', () => {
    expect(b!.imageId).toBe('ami-b');
    expect(b!.counts).toEqual({
      launched: 4,
      running: 1,
      silentEarly: 2,
      agentRestarts: 4,
      crashLooping: 1,
      drifted: 0,
      terminatedEarly: 0,
      errorLines: 30,
      // i-b1 1 h, i-b2 and i-b3 3 min each, i-b4 20 min.
      instanceHours: 1.4333,
    });
    expect(b!.silentEarlyInstances).toEqual(['i-b2', 'i-b3']);
    expect(b!.rates.silentEarly).toEqual({ count: 2, of: 4, share: 0.5 });
    expect(b!.rates.errorLinesPerInstanceHour).toEqual({ count: 30, instanceHours: 1.4333, rate: 20.9307 });
    expect(a!.counts).toMatchObject({
      launched: 3,
      running: 2,
      silentEarly: 0,
      agentRestarts: 1,
      crashLooping: 0,
      drifted: 1,
      terminatedEarly: 1,
    });
    expect(a!.rates.terminatedEarly).toEqual({ count: 1, of: 3, share: 0.3333 });
  });

  it('compares an image with the previous image of its group when the lineage does not say', () => {
    expect(b!.baseline).toMatchObject({
      imageId: 'ami-a',
      via: 'group',
      counts: { launched: 3, silentEarly: 0 },
    });
    expect(a!.baseline).toBeUndefined();
  });

  it('prefers the lineage parent, when it has instances', () => {
    const withParent = computeImageHealth(
      {
        ...inputs,
        instances: [...docs, registryDoc({ id: 'i-p', ageMs: 5 * dayMs, group: 'other', image: 'ami-p' })],
        parents: new Map([['ami-b', 'ami-p']]),
      },
      baseMs,
    );
    expect(withParent.find((h) => h.imageId === 'ami-b')!.baseline).toMatchObject({
      imageId: 'ami-p',
      via: 'lineage',
    });
    expect(
      baselineOf(
        { imageId: 'ami-b', groups: ['web'], firstLaunch: 'x' },
        [],
        new Map([['ami-b', 'ami-gone']]),
      ),
    ).toBeUndefined();
  });

  it('silent soon after boot: silent, last heard within the window of its start; kiln replacing it keeps it counted', () => {
    const quiet = registryDoc({ id: 'i-q', ageMs: hour, status: 'silent', silentForMs: 50 * minute });
    expect(silentSoonAfterBoot(quiet, defaultHealthOptions.silentWithinMs)).toBe(true);
    expect(silentSoonAfterBoot(quiet, 5 * minute)).toBe(false);
    const replacing = {
      ...quiet,
      kiln: { ...quiet.kiln, status: 'replacing' as const, replacement: { previous_status: 'silent' } },
    };
    expect(silentSoonAfterBoot(replacing as never, defaultHealthOptions.silentWithinMs)).toBe(true);
    expect(
      silentSoonAfterBoot(registryDoc({ id: 'i-r', ageMs: hour }), defaultHealthOptions.silentWithinMs),
    ).toBe(false);
  });
});
