import { afterAll, describe, expect, it } from 'vitest';
import { type CycleReport, startPolicyLoop } from '../../../collector/policy/index.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { silentLogger } from '../../../lib/log.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { auditRecords, seedRegistry } from './engine-support.ts';
import { baseMs, dayMs, policyOf, registryDoc } from './fleet-fixture.ts';

const client = testEsClient();
const names = uniqueNames('polloop');

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('startPolicyLoop', () => {
  it('evaluates on its interval with the injected clock, writes deferred records once per interval, and stops', async () => {
    await setupStorage(client, names);
    await seedRegistry(client, names, [registryDoc({ id: 'i-1', ageMs: 30 * dayMs, group: 'g' })]);
    // The window never opens at the fake times (Sundays only, 01:00-02:00 UTC; baseMs is a Monday noon).
    const policy = policyOf({
      maxAge: '7d',
      safety: { minHealthyShare: 0, windows: [{ days: ['sun'], hours: '01:00-02:00' }] },
    });
    const reports: CycleReport[] = [];
    let tick = 0;
    // Every evaluation reads the clock once; each one lands in the next minute.
    const now = () => baseMs + 60_000 * tick++;
    const loop = startPolicyLoop({
      client,
      names,
      policy,
      intervalMs: 60_000,
      now,
      log: silentLogger,
      collectorId: 'loop-test',
      onCycle: (r) => reports.push(r),
    });
    // The first evaluation runs right after start; the next would wait 60 s, so stop() ends the loop here.
    while (reports.length < 1) await new Promise((r) => setTimeout(r, 20));
    await loop.stop();
    await loop.stop();
    const afterStop = reports.length;
    expect(reports[0]!.decisions.map((d) => [d.instanceId, d.outcome, d.reason])).toEqual([
      ['i-1', 'deferred', 'window_closed'],
    ]);
    const records = await auditRecords(client, names);
    expect(records.map((r) => r.id)).toEqual([
      `${reports[0]!.decisions[0]!.id}.deferred.window_closed.${Math.floor(baseMs / 60_000)}`,
    ]);
    // A stopped loop schedules nothing more.
    await new Promise((r) => setTimeout(r, 200));
    expect(reports.length).toBe(afterStop);
  });

  it('keeps evaluating: a short interval gives several evaluations, each audited in its own bucket', async () => {
    const shortNames = uniqueNames('polloop2');
    await setupStorage(client, shortNames);
    await seedRegistry(client, shortNames, [registryDoc({ id: 'i-2', ageMs: 30 * dayMs, group: 'g' })]);
    const policy = policyOf({ maxAge: '7d', killSwitch: true, safety: { minHealthyShare: 0 } });
    const reports: CycleReport[] = [];
    let tick = 0;
    const loop = startPolicyLoop({
      client,
      names: shortNames,
      policy,
      intervalMs: 50,
      now: () => baseMs + 50 * tick++,
      log: silentLogger,
      collectorId: 'loop-test',
      onCycle: (r) => reports.push(r),
    });
    while (reports.length < 3) await new Promise((r) => setTimeout(r, 20));
    await loop.stop();
    const records = await auditRecords(client, shortNames);
    expect(records.length).toBe(reports.length);
    expect(new Set(records.map((r) => r.source.kiln.decision.reason))).toEqual(new Set(['kill_switch']));
    await dropPrefix(client, shortNames);
  });
});
