/**
 * When the collector completes an instance's Auto Scaling lifecycle action (pure): as soon as
 * the agent's final report of the termination is durable, or, when no report comes, once
 * `deadlineMs` passed since the notice. A claim another collector holds is left alone until it
 * is `claimTimeoutMs` old (that collector may have died mid-call).
 */
import type { TerminationState } from '../../lib/fleet.ts';

/** What to do about one instance's termination now. */
export type TerminationStep = { act: false } | { act: true; trigger: 'report' | 'deadline' };

/** Timing settings of the decision. */
export interface TerminationTiming {
  deadlineMs: number;
  claimTimeoutMs: number;
}

/** Decides from the registry's termination state and the clock. */
export function decideTermination(
  state: TerminationState | undefined,
  nowMs: number,
  timing: TerminationTiming,
): TerminationStep {
  if (!state) return { act: false };
  if (state.state === 'reported') return { act: true, trigger: 'report' };
  if (state.state === 'pending') {
    const due = Date.parse(state.notice_at) + timing.deadlineMs;
    return nowMs >= due ? { act: true, trigger: 'deadline' } : { act: false };
  }
  if (state.state === 'completing' && state.claimed_at) {
    const stale = nowMs - Date.parse(state.claimed_at) >= timing.claimTimeoutMs;
    if (stale) return { act: true, trigger: state.trigger ?? (state.report_at ? 'report' : 'deadline') };
  }
  return { act: false };
}
