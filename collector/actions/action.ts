/**
 * The contract every action implements. Outcomes are values (ok, or failed with a reason and
 * whether another attempt may help), not exceptions, so the engine can retry, audit and escalate
 * without guessing. An action that retries itself (the webhook) reports its final failure as not
 * retryable, so the engine never wraps a callee's retries in its own (STYLE rule 12).
 */
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { Decision } from '../policy/planner.ts';

/** What an action is asked to do: carry out one decision about one instance. */
export interface ActionRequest {
  decision: Decision;
  instance: RegistryDocument;
  policyName: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the decision was taken (ISO 8601). */
  decidedAt: string;
}

/** A webhook delivery, kept in the audit. */
export interface DeliveryRecord {
  url: string;
  deliveryId: string;
  delivered: boolean;
  attempts: { statusCode?: number; error?: string; durationMs: number }[];
}

/** What an action reports back; the engine writes it under `kiln.action.*`. */
export interface ActionResult {
  ok: boolean;
  durationMs: number;
  /** Why it failed, in one sentence. */
  error?: string;
  /** A failure another attempt may cure (throttling, 5xx, a network error, a failed command). Default false. */
  retryable?: boolean;
  /** The wait the other side asked for before that attempt (Retry-After). */
  retryAfterMs?: number;
  statusCode?: number;
  exitCode?: number;
  /** Captured output (command), bounded. */
  output?: string;
  delivery?: DeliveryRecord;
  /** What the cloud API answered, e.g. the Auto Scaling activity. */
  detail?: Record<string, unknown>;
}

/** One configured action. */
export interface Action {
  readonly type: string;
  run(request: ActionRequest, signal?: AbortSignal): Promise<ActionResult>;
}

/** The JSON body describing a decision, as webhooks receive it. */
export function decisionPayload(request: ActionRequest): Record<string, unknown> {
  const { decision, instance } = request;
  return {
    decision_id: decision.id,
    policy: request.policyName,
    kind: decision.kind,
    trigger: decision.trigger,
    reason: decision.reason,
    reason_text: decision.reasonText,
    action: decision.action,
    attempt: request.attempt,
    decided_at: request.decidedAt,
    instance: {
      id: decision.instanceId,
      group: instance.kiln.group ?? null,
      role: instance.kiln.role ?? null,
      image_id: instance.cloud.image?.id ?? null,
      age_ms: decision.ageMs,
      labels: instance.labels ?? {},
    },
  };
}
