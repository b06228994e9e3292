/**
 * The HTTP side of the agent: one undici Pool per collector origin with keep-alive
 * (https://undici.nodejs.org/#/docs/api/Pool), so batches reuse connections. Only this file
 * touches sockets; everything about what an answer means lives in response.ts.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { KilnError } from '../../lib/errors.ts';
import { collectorPaths, compactAckHeader, type EnrollRequest, type EnrollResponse } from '../../lib/wire.ts';
import type { BatchEncoding } from './compression.ts';

/** A raw HTTP answer. */
export interface HttpAnswer {
  status: number;
  retryAfter: string | string[] | undefined;
  body: string;
}

/** Connection settings. */
export interface CollectorClientOptions {
  url: string;
  caFile?: string;
  requestTimeoutMs: number;
  /** Connections kept to the collector. */
  connections: number;
}

/** Talks to one collector. */
export class CollectorClient {
  readonly #pool: Pool;
  readonly #base: string;
  readonly #timeoutMs: number;
  #closed: Promise<void> | undefined;

  constructor(options: CollectorClientOptions) {
    const url = new URL(options.url);
    this.#base = url.pathname.replace(/\/$/, '');
    this.#timeoutMs = options.requestTimeoutMs;
    const ca = options.caFile ? readFileSync(options.caFile) : undefined;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 60_000,
      connect: ca ? { ca } : undefined,
    });
  }

  /** POSTs a compressed NDJSON batch with the instance token. Network failures throw. */
  async sendBatch(
    compressed: Buffer,
    encoding: BatchEncoding,
    instanceToken: string,
    signal?: AbortSignal,
  ): Promise<HttpAnswer> {
    return this.#post(
      collectorPaths.batches,
      compressed,
      {
        'content-type': 'application/x-ndjson',
        'content-encoding': encoding,
        authorization: `Bearer ${instanceToken}`,
        [compactAckHeader]: 'compact',
      },
      signal,
    );
  }

  /** Exchanges the enrollment token for an instance token. */
  async enroll(request: EnrollRequest, signal?: AbortSignal): Promise<EnrollResponse> {
    const answer = await this.#post(
      collectorPaths.enroll,
      Buffer.from(JSON.stringify(request)),
      { 'content-type': 'application/json' },
      signal,
    );
    if (answer.status === 200) return JSON.parse(answer.body) as EnrollResponse;
    const code =
      answer.status === 401
        ? 'KILN_ERR_AUTH'
        : answer.status === 403
          ? 'KILN_ERR_FORBIDDEN'
          : answer.status === 409
            ? 'KILN_ERR_CONFLICT'
            : 'KILN_ERR_COLLECTOR';
    const hint =
      code === 'KILN_ERR_AUTH'
        ? " (check the enrollment token, or the collector's trusted certificates)"
        : code === 'KILN_ERR_FORBIDDEN'
          ? " (the collector's enrollment rules do not admit this instance)"
          : '';
    throw Object.assign(
      new KilnError(
        code,
        `enrollment at ${this.#base || '/'} failed with HTTP ${answer.status}: ${reasonOf(answer.body)}${hint}`,
      ),
      { status: answer.status, retryAfter: answer.retryAfter },
    );
  }

  /** Closes the connections. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#pool.destroy().catch(() => {});
    return this.#closed;
  }

  async #post(
    path: string,
    body: Buffer,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HttpAnswer> {
    const response = await this.#pool.request({
      path: `${this.#base}${path}`,
      method: 'POST',
      headers,
      body,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      signal,
    });
    return {
      status: response.statusCode,
      retryAfter: response.headers['retry-after'],
      body: await response.body.text(),
    };
  }
}

/** The reason of a collector error answer, or the start of the body. */
function reasonOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { reason?: string } };
    if (parsed.error?.reason) return parsed.error.reason;
  } catch {
    // not JSON: the raw text follows
  }
  return body.slice(0, 200);
}
