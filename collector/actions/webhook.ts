/**
 * The webhook action (and the notify webhook): POST the decision as signed JSON, retried with
 * backoff (429/503 honour Retry-After; other 4xx are permanent), with a delivery record for the audit.
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { KilnError } from '../../lib/errors.ts';
import {
  type AttemptOutcome,
  type Clock,
  classifyStatus,
  outcome,
  parseRetryAfterMs,
  retry,
  systemClock,
} from '../../lib/retry.ts';
import {
  type Action,
  type ActionRequest,
  type ActionResult,
  type DeliveryRecord,
  decisionPayload,
} from './action.ts';
import type { WebhookTarget } from './config.ts';
import { deliveryHeader, signatureHeader, signBody, timestampHeader } from './webhook-signature.ts';

/** Tuning for tests and the engine. */
export interface WebhookOptions {
  /** Time for the signature timestamp, Retry-After dates and waits. Default the system clock. */
  clock?: Clock;
  /** First backoff ceiling. Default 500 ms. */
  backoffBaseMs?: number;
}

/** Reads the webhook's HMAC secret from its environment variable or file. */
export function readWebhookSecret(target: WebhookTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (target.secretEnv) {
    const value = env[target.secretEnv];
    if (!value)
      throw new KilnError(
        'KILN_ERR_ACTION',
        `webhook secret: environment variable ${target.secretEnv} is not set; set it on the collector`,
      );
    return value;
  }
  try {
    return readFileSync(target.secretFile!, 'utf8').trim();
  } catch (error) {
    throw new KilnError(
      'KILN_ERR_ACTION',
      `webhook secret: cannot read ${target.secretFile} (${(error as NodeJS.ErrnoException).code}); check the path and permissions`,
      { cause: error },
    );
  }
}

/** Delivers one JSON payload with retries (lib/retry.ts); never throws. */
export async function deliverWebhook(
  target: WebhookTarget,
  secret: string,
  deliveryId: string,
  payload: Record<string, unknown>,
  options: WebhookOptions = {},
  signal?: AbortSignal,
): Promise<DeliveryRecord> {
  const clock = options.clock ?? systemClock;
  const timestamp = Math.floor(clock.now() / 1000);
  const body = JSON.stringify({ ...payload, timestamp });
  const record: DeliveryRecord = { url: target.url, deliveryId, delivered: false, attempts: [] };
  const attempt = async (): Promise<AttemptOutcome<void>> => {
    const started = performance.now();
    try {
      const response = await request(target.url, {
        method: 'POST',
        body,
        headers: {
          ...target.headers,
          'content-type': 'application/json',
          'user-agent': 'kiln-policy',
          [signatureHeader]: signBody(secret, body),
          [timestampHeader]: String(timestamp),
          [deliveryHeader]: deliveryId,
        },
        headersTimeout: target.timeout,
        bodyTimeout: target.timeout,
        ...(signal ? { signal } : {}),
      });
      await response.body.text();
      record.attempts.push({
        statusCode: response.statusCode,
        durationMs: Math.round(performance.now() - started),
      });
      if (response.statusCode >= 200 && response.statusCode < 300) return outcome.ok(undefined);
      const failure = classifyStatus(response.statusCode);
      if (failure === 'permanent') return outcome.permanent(response.statusCode);
      const retryAfterMs =
        failure === 'throttled' ? parseRetryAfterMs(response.headers['retry-after'], clock.now()) : undefined;
      return outcome.retryable(response.statusCode, retryAfterMs);
    } catch (error) {
      record.attempts.push({
        error: (error as Error).message,
        durationMs: Math.round(performance.now() - started),
      });
      return outcome.retryable(error);
    }
  };
  const result = await retry(attempt, {
    maxAttempts: target.attempts,
    backoff: { baseMs: options.backoffBaseMs ?? 500, maxMs: 30_000 },
    clock,
    ...(signal ? { signal } : {}),
  });
  record.delivered = result.kind === 'ok';
  return record;
}

/** The summary line of a failed delivery. */
export function deliveryError(record: DeliveryRecord): string {
  const last = record.attempts.at(-1);
  const why = last?.statusCode !== undefined ? `HTTP ${last.statusCode}` : (last?.error ?? 'not attempted');
  return `webhook ${record.url} not delivered after ${record.attempts.length} attempt(s): ${why}`;
}

/** The webhook action: the receiver replaces the instance. */
export function createWebhookAction(target: WebhookTarget, options: WebhookOptions = {}): Action {
  const secret = readWebhookSecret(target);
  return {
    type: 'webhook',
    async run(req: ActionRequest, signal?: AbortSignal): Promise<ActionResult> {
      const started = performance.now();
      const record = await deliverWebhook(
        target,
        secret,
        req.decision.id,
        decisionPayload(req),
        options,
        signal,
      );
      const last = record.attempts.at(-1);
      return {
        ok: record.delivered,
        durationMs: Math.round(performance.now() - started),
        delivery: record,
        ...(last?.statusCode !== undefined ? { statusCode: last.statusCode } : {}),
        // The delivery above retried already: a failure here is final for the engine.
        ...(record.delivered ? {} : { error: deliveryError(record), retryable: false }),
      };
    },
  };
}
