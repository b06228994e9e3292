/**
 * The HTTP side of the agent: one undici Pool per collector origin with keep-alive
 * (https://undici.nodejs.org/#/docs/api/Pool), so batches reuse connections. Only this file
 * touches sockets; everything about what an answer means lives in response.ts.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { KilnError } from '../../lib/errors.ts';
import { collectorPaths, type EnrollRequest, type EnrollResponse } from '../../lib/wire.ts';

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

  /** POSTs a gzip NDJSON batch with the instance token. Network failures throw. */
  async sendBatch(gzipped: Buffer, instanceToken: string, signal?: AbortSignal): Promise<HttpAnswer> {
    return this.#post(
      collectorPaths.batches,
      gzipped,
      {
        'content-type': 'application/x-ndjson',
        'content-encoding': 'gzip',
        authorization: `Bearer ${instanceToken}`,
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
    const code = answer.status === 401 || answer.status === 403 ? 'KILN_ERR_AUTH' : 'KILN_ERR_COLLECTOR';
    throw Object.assign(
      new KilnError(
        code,
        `enrollment at ${this.#base || '/'} failed with HTTP ${answer.status}: ${answer.body.slice(0, 200)}` +
          (code === 'KILN_ERR_AUTH'
            ? ' (check the enrollment token: `kiln token create` makes a new one)'
            : ''),
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
