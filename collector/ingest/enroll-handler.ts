/**
 * `POST /v1/enroll` over HTTP: a small bounded body, failed attempts limited per source address
 * (a burst, then a steady rate; over it, 429 with Retry-After and nothing else is done), and the
 * enrollment service's outcome as the answer. Successful enrollments do not count against the
 * address, so a fleet launching behind one NAT address is not slowed down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../lib/log.ts';
import type { EnrollmentService } from '../enrollment/service.ts';
import { refuseUnread, retryAfter, sendError, sendJson } from './http-io.ts';
import type { ByteBudget, KeyedBuckets } from './rate-limit.ts';
import { ReceiveError, Reservation, readBoundedBody } from './receive.ts';

/** The largest enrollment body (an identity document and its signature are under 8 KiB). */
export const maxEnrollBodyBytes = 64 * 1024;

/** Settings of the handler. */
export interface EnrollHandlerOptions {
  service: EnrollmentService;
  /** Failed attempts per source address, shared with the batch endpoint's 401s. */
  failures: KeyedBuckets;
  maxConcurrent: number;
  budget: ByteBudget;
  log: Logger;
  now: () => number;
  retryAfterSeconds: number;
}

/** Handles enrollments; one per server. */
export class EnrollHandler {
  readonly #o: EnrollHandlerOptions;
  readonly #failures: KeyedBuckets;
  #active = 0;
  #limited = 0;
  #lastSummaryMs = 0;

  constructor(options: EnrollHandlerOptions) {
    this.#o = options;
    this.#failures = options.failures;
  }

  /** Answers one enrollment request. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const address = req.socket.remoteAddress ?? 'unknown';
    const waitMs = this.#failures.waitMs(address, this.#o.now());
    if (waitMs > 0) {
      this.#countLimited(address);
      return refuseUnread(req, res, maxEnrollBodyBytes, {
        status: 429,
        code: 'rate_limited',
        reason: `too many failed enrollments from ${address}; retry later`,
        headers: retryAfter(waitMs),
      });
    }
    if (this.#active >= this.#o.maxConcurrent) {
      req.resume();
      return sendError(res, 503, 'saturated', 'the collector is busy enrolling; retry later', {
        'retry-after': String(this.#o.retryAfterSeconds),
      });
    }
    this.#active++;
    const reservation = new Reservation(this.#o.budget);
    try {
      let body: unknown;
      try {
        body = JSON.parse((await readBoundedBody(req, maxEnrollBodyBytes, reservation)).toString('utf8'));
      } catch (error) {
        this.#failures.take(address, 1, this.#o.now());
        if (error instanceof ReceiveError) return sendError(res, error.status, 'too_large', error.message);
        return sendError(
          res,
          400,
          'bad_request',
          'the body must be a JSON enrollment request (see lib/wire.ts)',
        );
      }
      const outcome = await this.#o.service.enroll(body, address);
      if (outcome.ok) return sendJson(res, 200, outcome.response);
      if (outcome.status === 503) {
        return sendError(res, 503, outcome.code, outcome.reason, {
          'retry-after': String(this.#o.retryAfterSeconds),
        });
      }
      this.#failures.take(address, 1, this.#o.now());
      sendError(res, outcome.status, outcome.code, outcome.reason);
    } finally {
      reservation.release();
      this.#active--;
    }
  }

  /** Rate-limited attempts are not audited one by one: one log line a minute says how many. */
  #countLimited(address: string): void {
    this.#limited++;
    const nowMs = this.#o.now();
    if (nowMs - this.#lastSummaryMs < 60_000) return;
    this.#o.log.warn('enrollments rate-limited', {
      'source.address': address,
      'kiln.enrollment.limited': this.#limited,
    });
    this.#lastSummaryMs = nowMs;
    this.#limited = 0;
  }
}
