/**
 * What the instance metadata says about the instance's end (pure). An Auto Scaling group that
 * is terminating the instance sets `autoscaling/target-lifecycle-state` to `Terminated`, the
 * target of the transition, for as long as a terminate lifecycle hook holds it in
 * `Terminating:Wait`
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/retrieving-target-lifecycle-state-through-imds.html);
 * a value naming the wait itself (`Terminating:Wait`, `Terminating…`) is read the same way. A
 * spot interruption puts `{"action": "terminate"|"stop"|"hibernate", "time": …}` at
 * `spot/instance-action`, two minutes ahead
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html).
 */

/** A termination the agent must drain for. */
export interface TerminationNotice {
  kind: 'autoscaling' | 'spot';
  /** The lifecycle state read (autoscaling). */
  targetState?: string;
  /** The spot action and its time (spot). */
  spotAction?: string;
  spotTime?: string;
  message: string;
}

/** The notice in the metadata read, or undefined when the instance is not being terminated. */
export function readTerminationNotice(
  lifecycleState: string | undefined,
  spotInstanceAction: string | undefined,
): TerminationNotice | undefined {
  const spot = parseSpotAction(spotInstanceAction);
  if (spot) {
    return {
      kind: 'spot',
      spotAction: spot.action,
      ...(spot.time ? { spotTime: spot.time } : {}),
      message: `spot interruption notice: ${spot.action}${spot.time ? ` at ${spot.time}` : ''}`,
    };
  }
  const state = lifecycleState?.trim();
  if (state && (state === 'Terminated' || state.startsWith('Terminating'))) {
    return {
      kind: 'autoscaling',
      targetState: state,
      message: `Auto Scaling termination notice: target lifecycle state ${state}`,
    };
  }
  return undefined;
}

function parseSpotAction(text: string | undefined): { action: string; time?: string } | undefined {
  if (!text?.trim()) return undefined;
  try {
    const doc = JSON.parse(text) as { action?: unknown; time?: unknown };
    if (typeof doc.action !== 'string' || doc.action === '') return undefined;
    return { action: doc.action, ...(typeof doc.time === 'string' ? { time: doc.time } : {}) };
  } catch {
    return undefined;
  }
}
