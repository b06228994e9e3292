import { describe, expect, it } from 'vitest';
import { type Decision, inFlightFromRegistry, planDecisions } from '../../../collector/policy/planner.ts';
import { baseMs, dayMs, fleetOf50, hourMs, policyOf, registryDoc } from './fleet-fixture.ts';

const replace = { action: { type: 'command', command: ['true'] } };
const safety = (s: Record<string, unknown>) => ({
  safety: { maxConcurrent: 50, maxConcurrentPerGroup: 50, minHealthyShare: 0, ...s },
});
const ids = (ds: Decision[], outcome?: string) =>
  ds.filter((d) => outcome === undefined || d.outcome === outcome).map((d) => d.instanceId);
const reasons = (ds: Decision[]) => {
  const out: Record<string, number> = {};
  for (const d of ds) out[`${d.outcome}:${d.reason}`] = (out[`${d.outcome}:${d.reason}`] ?? 0) + 1;
  return out;
};

describe('planDecisions over a registry of 50 instances (fake clock)', () => {
  const fleet = fleetOf50();

  it.each([
    {
      name: 'fleet budget: the 5 oldest go, 45 wait for budget',
      safety: { maxConcurrent: 5 },
      taken: ['i-49', 'i-48', 'i-47', 'i-46', 'i-45'],
      counts: { 'taken:max_age_exceeded': 5, 'deferred:budget_spent': 45 },
    },
    {
      name: 'per-group budget: the 2 oldest of each of the 5 groups',
      safety: { maxConcurrent: 20, maxConcurrentPerGroup: 2 },
      taken: ['i-49', 'i-48', 'i-47', 'i-46', 'i-45', 'i-44', 'i-43', 'i-42', 'i-41', 'i-40'],
      counts: { 'taken:max_age_exceeded': 10, 'deferred:budget_spent': 40 },
    },
    {
      name: 'min healthy 90%: one per group of 10',
      safety: { minHealthyShare: 0.9 },
      taken: ['i-49', 'i-48', 'i-47', 'i-46', 'i-45'],
      counts: { 'taken:max_age_exceeded': 5, 'deferred:min_healthy': 45 },
    },
    {
      name: 'min healthy 70%: three per group',
      safety: { minHealthyShare: 0.7, maxConcurrentPerGroup: 10 },
      taken: ids(fleet.slice(35).map((d) => ({ instanceId: d.cloud.instance.id }) as Decision)).reverse(),
      counts: { 'taken:max_age_exceeded': 15, 'deferred:min_healthy': 35 },
    },
  ])('$name', ({ safety: s, taken, counts }) => {
    const decisions = planDecisions(
      fleet,
      policyOf({ maxAge: '7d', spreadPercent: 0, ...replace, ...safety(s) }),
      baseMs,
      [],
    );
    expect(ids(decisions, 'taken')).toEqual(taken);
    expect(reasons(decisions)).toEqual(counts);
    expect(decisions.map((d) => d.order)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(ids(decisions)[0]).toBe('i-49');
    expect(ids(decisions)[49]).toBe('i-00');
  });

  it('counts replacements already in flight against both budgets', () => {
    const policy = policyOf({
      maxAge: '7d',
      spreadPercent: 0,
      ...replace,
      ...safety({ maxConcurrent: 4, maxConcurrentPerGroup: 1 }),
    });
    const inFlight = [
      { instanceId: 'i-49', group: 'g4' },
      { instanceId: 'i-48', group: 'g3' },
    ];
    const decisions = planDecisions(fleet, policy, baseMs, inFlight);
    expect(ids(decisions, 'taken')).toEqual(['i-47', 'i-46']);
    expect(decisions).toHaveLength(48);
    const waiting = decisions.find((d) => d.instanceId === 'i-44')!;
    expect(waiting.reasonText).toBe('fleet budget spent: 4 of maxConcurrent 4 replacements in flight');
    const groupWait = planDecisions(
      fleet,
      policyOf({
        maxAge: '7d',
        spreadPercent: 0,
        ...replace,
        ...safety({ maxConcurrent: 10, maxConcurrentPerGroup: 1 }),
      }),
      baseMs,
      inFlight,
    ).find((d) => d.instanceId === 'i-44')!;
    expect(groupWait).toMatchObject({ outcome: 'deferred', reason: 'budget_spent' });
    expect(groupWait.reasonText).toBe('group g4 budget spent: 1 of maxConcurrentPerGroup 1 in flight');
  });

  it('derives in-flight replacements from the registry (claimed, no successor, not escalated)', () => {
    const docs = [
      registryDoc({ id: 'a', ageMs: dayMs, group: 'g' }),
      registryDoc({ id: 'b', ageMs: dayMs, group: 'g' }),
      registryDoc({ id: 'c', ageMs: dayMs }),
    ];
    docs[0]!.kiln.replacement = { decision_id: 'd-1', requested_at: new Date(baseMs).toISOString() };
    docs[1]!.kiln.replacement = { decision_id: 'd-2', successor: 'x' };
    expect(inFlightFromRegistry(docs)).toEqual([{ instanceId: 'a', group: 'g' }]);
  });

  it.each([
    { name: 'Saturday 03:00 Berlin: closed', at: '2026-03-07T02:00:00Z', taken: 0, deferred: 50 },
    {
      name: 'Tuesday 03:00 Berlin (02:00 UTC, CET): open',
      at: '2026-03-03T02:00:00Z',
      taken: 3,
      deferred: 47,
    },
    {
      name: 'Tuesday 05:00 Berlin: closed (end is exclusive)',
      at: '2026-03-03T04:00:00Z',
      taken: 0,
      deferred: 50,
    },
    {
      name: 'Tuesday 03:00 Berlin in summer time (01:00 UTC, CEST): open',
      at: '2026-07-07T01:00:00Z',
      taken: 3,
      deferred: 47,
    },
    {
      name: 'Tuesday 03:00 UTC is 04:00 Berlin in summer: open',
      at: '2026-07-07T02:00:00Z',
      taken: 3,
      deferred: 47,
    },
  ])('maintenance window mon-fri 02:00-05:00 Europe/Berlin: $name', ({ at, taken, deferred }) => {
    const policy = policyOf({
      maxAge: '7d',
      spreadPercent: 0,
      ...replace,
      safety: {
        maxConcurrent: 3,
        maxConcurrentPerGroup: 3,
        minHealthyShare: 0,
        windows: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '02:00-05:00', timeZone: 'Europe/Berlin' },
        ],
      },
    });
    const decisions = planDecisions(fleetOf50(Date.parse(at)), policy, Date.parse(at), []);
    expect(ids(decisions, 'taken')).toHaveLength(taken);
    expect(
      decisions.filter(
        (d) => d.outcome === 'deferred' && d.reason === (taken ? 'budget_spent' : 'window_closed'),
      ),
    ).toHaveLength(deferred);
  });

  it.each([
    { at: '2026-03-06T22:30:00Z', open: true, why: 'Friday 23:30 local, window opened Friday' },
    { at: '2026-03-07T02:30:00Z', open: true, why: 'Saturday 03:30 local belongs to the Friday window' },
    { at: '2026-03-08T02:30:00Z', open: false, why: 'Sunday 03:30 local: Saturday has no window' },
    { at: '2026-03-07T21:30:00Z', open: false, why: 'Saturday 22:30 local: not a window day' },
  ])('a window past midnight (fri 22:00-04:00 Europe/Berlin): $why', ({ at, open }) => {
    const policy = policyOf({
      maxAge: '7d',
      ...replace,
      ...safety({ windows: [{ days: ['fri'], hours: '22:00-04:00', timeZone: 'Europe/Berlin' }] }),
    });
    const [first] = planDecisions(
      [registryDoc({ id: 'i-1', ageMs: 30 * dayMs, group: 'g' }, Date.parse(at))],
      policy,
      Date.parse(at),
      [],
    );
    expect(first!.outcome).toBe(open ? 'taken' : 'deferred');
  });

  it('drift: a grace period per severity, counted from when that severity was first seen', () => {
    const docs = [
      // Critical for 1 minute: replaced at once (critical has no grace).
      registryDoc({
        id: 'rootkit',
        ageMs: dayMs,
        group: 'g',
        driftedForMs: 2 * hourMs,
        driftSeverityForMs: { critical: 60_000, medium: 2 * hourMs },
      }),
      // A new port 30 minutes ago: waits for the high grace period of 1h.
      registryDoc({
        id: 'new-port',
        ageMs: 2 * dayMs,
        group: 'h',
        driftedForMs: 30 * 60_000,
        driftSeverityForMs: { high: 30 * 60_000 },
      }),
      // Medium drift for 7 hours: past its 6h grace.
      registryDoc({
        id: 'config',
        ageMs: 3 * dayMs,
        group: 'i',
        driftedForMs: 7 * hourMs,
        driftSeverityForMs: { medium: 7 * hourMs },
      }),
    ];
    const policy = policyOf({
      onDrift: { gracePeriod: '1d', gracePeriodBySeverity: { critical: '0s', high: '1h', medium: '6h' } },
      ...replace,
      ...safety({ maxConcurrent: 5, maxConcurrentPerGroup: 5, minHealthyShare: 0 }),
    });
    const decisions = planDecisions(docs, policy, baseMs, []);
    expect(decisions.map((d) => [d.instanceId, d.outcome, d.reason, d.severity])).toEqual([
      ['new-port', 'deferred', 'grace_period', 'high'],
      ['config', 'taken', 'drift_grace_elapsed', 'medium'],
      ['rootkit', 'taken', 'drift_grace_elapsed', 'critical'],
    ]);
    expect(decisions[0]!.reasonText).toBe(
      'drifted (high) 30m ago (latest: /etc/ssh/sshd_config); high grace period 1h ends at 2026-03-02T12:30:00.000Z',
    );
    expect(decisions[2]!.reasonText).toBe(
      'drifted (critical) from its baseline 2h ago (latest: /etc/ssh/sshd_config)',
    );
    expect(() => policyOf({ onDrift: { gracePeriodBySeverity: { urgent: '1h' } }, ...replace })).toThrow(
      /urgent/,
    );
  });

  it('drift: deferred during the grace period, replaced after it, notified when onDrift is notify', () => {
    const docs = [
      registryDoc({ id: 'young-drift', ageMs: dayMs, group: 'g', driftedForMs: 10 * 60_000 }),
      registryDoc({ id: 'old-drift', ageMs: 2 * dayMs, group: 'g', driftedForMs: 2 * hourMs }),
      registryDoc({ id: 'clean', ageMs: 3 * dayMs, group: 'g' }),
    ];
    const replaceAfterGrace = planDecisions(
      docs,
      policyOf({ onDrift: { gracePeriod: '1h' }, ...replace, ...safety({}) }),
      baseMs,
      [],
    );
    expect(replaceAfterGrace.map((d) => [d.instanceId, d.outcome, d.reason, d.kind])).toEqual([
      ['young-drift', 'deferred', 'grace_period', 'replace'],
      ['old-drift', 'taken', 'drift_grace_elapsed', 'replace'],
    ]);
    expect(replaceAfterGrace[0]!.reasonText).toBe(
      'drifted 10m ago (latest: /etc/ssh/sshd_config); grace period 1h ends at 2026-03-02T12:50:00.000Z',
    );
    const notifyOnly = planDecisions(
      docs,
      policyOf({ onDrift: { action: 'notify' }, ...replace, ...safety({ maxConcurrent: 0 }) }),
      baseMs,
      [],
    );
    expect(notifyOnly.map((d) => [d.instanceId, d.outcome, d.kind, d.action])).toEqual([
      ['young-drift', 'taken', 'notify', 'notify'],
      ['old-drift', 'taken', 'notify', 'notify'],
    ]);
  });

  it('silence notifies only (never gated, never replaced) unless silence.replace is set', () => {
    const docs = fleetOf50(baseMs, (s, n) =>
      n < 3 ? { ...s, ageMs: dayMs, silentForMs: hourMs, status: 'silent' } : { ...s, ageMs: dayMs },
    );
    const notify = planDecisions(
      docs,
      policyOf({ silence: { after: '15m' }, ...replace, ...safety({ maxConcurrent: 0 }), killSwitch: true }),
      baseMs,
      [],
    );
    expect(notify.map((d) => [d.instanceId, d.outcome, d.reason, d.kind])).toEqual([
      ['i-00', 'taken', 'presumed_dead', 'notify'],
      ['i-01', 'taken', 'presumed_dead', 'notify'],
      ['i-02', 'taken', 'presumed_dead', 'notify'],
    ]);
    const replaced = planDecisions(
      docs,
      policyOf({ silence: { after: '15m', replace: true }, ...replace, ...safety({ maxConcurrent: 2 }) }),
      baseMs,
      [],
    );
    expect(replaced.map((d) => [d.instanceId, d.outcome, d.kind])).toEqual([
      // Equal ages: ties go by instance id.
      ['i-00', 'taken', 'replace'],
      ['i-01', 'taken', 'replace'],
      ['i-02', 'deferred', 'replace'],
    ]);
  });

  it('the kill switch skips every replacement', () => {
    const decisions = planDecisions(
      fleet,
      policyOf({ maxAge: '7d', ...replace, ...safety({}), killSwitch: true }),
      baseMs,
      [],
    );
    expect(reasons(decisions)).toEqual({ 'skipped:kill_switch': 50 });
  });

  it('aws-asg skips an instance outside any group; aws-ec2-terminate warns', () => {
    const docs = [
      registryDoc({ id: 'loose', ageMs: 30 * dayMs }),
      registryDoc({ id: 'grouped', ageMs: 20 * dayMs, group: 'web' }),
    ];
    const asg = planDecisions(
      docs,
      policyOf({ maxAge: '7d', action: { type: 'aws-asg' }, ...safety({}) }),
      baseMs,
      [],
    );
    expect(asg.map((d) => [d.instanceId, d.outcome, d.reason])).toEqual([
      ['loose', 'skipped', 'no_group'],
      ['grouped', 'taken', 'max_age_exceeded'],
    ]);
    const ec2 = planDecisions(
      docs,
      policyOf({ maxAge: '7d', action: { type: 'aws-ec2-terminate' }, ...safety({}) }),
      baseMs,
      [],
    );
    expect(ec2.map((d) => d.warning)).toEqual([
      'aws-ec2-terminate terminates the instance outside any Auto Scaling group: nothing relaunches it unless something outside kiln does',
      'aws-ec2-terminate terminates the instance outside any Auto Scaling group: nothing relaunches it unless something outside kiln does',
    ]);
  });

  it('selectors: labels, role, image and group must all match', () => {
    const docs = [
      registryDoc({ id: 'a', ageMs: 30 * dayMs, group: 'web-blue', role: 'web', labels: { env: 'prod' } }),
      registryDoc({
        id: 'b',
        ageMs: 30 * dayMs,
        group: 'web-green',
        role: 'web',
        labels: { env: 'staging' },
      }),
      registryDoc({ id: 'c', ageMs: 30 * dayMs, group: 'api', role: 'api', labels: { env: 'prod' } }),
      registryDoc({
        id: 'd',
        ageMs: 30 * dayMs,
        group: 'web-blue',
        role: 'web',
        labels: { env: 'prod' },
        image: 'ami-other',
      }),
    ];
    const policy = policyOf({
      maxAge: '7d',
      ...replace,
      ...safety({}),
      selector: { labels: { env: 'prod' }, role: 'web', group: 'web-*', image: ['ami-0123*'] },
    });
    expect(ids(planDecisions(docs, policy, baseMs, []))).toEqual(['a']);
  });

  it('skips a decision that was escalated, and never plans terminated, replaced or in-flight instances', () => {
    const policy = policyOf({ maxAge: '7d', ...replace, ...safety({}) });
    const docs = [
      registryDoc({ id: 'esc', ageMs: 30 * dayMs, group: 'g' }),
      registryDoc({ id: 'gone', ageMs: 30 * dayMs, group: 'g', status: 'terminated' }),
      registryDoc({ id: 'done', ageMs: 30 * dayMs, group: 'g', status: 'replaced' }),
      registryDoc({ id: 'busy', ageMs: 30 * dayMs, group: 'g', status: 'replacing' }),
    ];
    const [first] = planDecisions(docs.slice(0, 1), policy, baseMs, []);
    docs[0]!.kiln.replacement = { decision_id: first!.id, escalated_at: '2026-03-02T11:00:00.000Z' } as never;
    docs[3]!.kiln.replacement = { decision_id: 'd-x', requested_at: '2026-03-02T11:00:00.000Z' };
    const decisions = planDecisions(docs, policy, baseMs, inFlightFromRegistry(docs));
    expect(decisions.map((d) => [d.instanceId, d.outcome, d.reason])).toEqual([
      ['esc', 'skipped', 'escalated'],
    ]);
  });

  it('spreads the expiry of 50 instances launched together over the last 10% of maxAge', () => {
    const policy = policyOf({ maxAge: '10d', spreadPercent: 10, ...replace, ...safety({}) });
    const together = (ageMs: number) => fleetOf50(baseMs, (s) => ({ ...s, ageMs }));
    const dueAt = (ageMs: number) => planDecisions(together(ageMs), policy, baseMs, []).length;
    expect(dueAt(9 * dayMs - 1)).toBe(0);
    expect(dueAt(10 * dayMs)).toBe(50);
    const counts = [9.25, 9.5, 9.75].map((d) => dueAt(d * dayMs));
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[0]).toBeLessThan(counts[1]!);
    expect(counts[1]).toBeLessThan(counts[2]!);
    expect(counts[2]).toBeLessThan(50);
  });

  it('gives the same decision id on every evaluation of the same episode', () => {
    const policy = policyOf({ maxAge: '7d', ...replace, ...safety({}) });
    const a = planDecisions(fleet, policy, baseMs, []);
    const b = planDecisions(fleet, policy, baseMs + hourMs, []);
    expect(a.map((d) => d.id)).toEqual(b.map((d) => d.id));
    expect(new Set(a.map((d) => d.id)).size).toBe(50);
  });
});
