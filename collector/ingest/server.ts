/**
 * The collector's HTTP API: `POST /v1/enroll`, `POST /v1/batches`, `GET /healthz`, `GET /readyz`.
 * Stateless: every answer depends only on the request and Elasticsearch, so several collectors
 * can stand behind one address. A batch is answered only after Elasticsearch answered, with the
 * ids that are durable, duplicates, dead-lettered, and failed (to be sent again).
 */
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Client } from '@elastic/elasticsearch';
import { hasCode, KilnError } from '../../lib/errors.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { type BatchResult, collectorPaths, type EnrollRequest, type WireEvent } from '../../lib/wire.ts';
import { BulkWriter, type BulkWriterOptions } from '../storage/bulk-writer/writer.ts';
import { hashToken, type InstanceIdentity, TokenStore } from '../tokens/token-store.ts';
import { DecodeError, decodeBatch } from './decode.ts';
import { BodyTooLargeError, bearerToken, readBody, sendError, sendJson } from './http-io.ts';
import { stampIdentity, storedIdOf, toBulkItems } from './stamp.ts';
import { TokenCache } from './token-cache.ts';

/** Called with the durable events of a batch (e.g. to update the fleet registry). */
export type DurableHook = (identity: InstanceIdentity, events: WireEvent[], nowMs: number) => Promise<void>;

/** Collector server settings; each states its default. */
export interface CollectorServerOptions {
  client: Client;
  names: IndexNames;
  log: Logger;
  /** Host to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port. Default 7700; 0 for any free port. */
  port?: number;
  /** PEM certificate and key files: serve HTTPS. */
  tls?: { certFile: string; keyFile: string };
  /** Largest request body on the wire. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Largest inflated batch. Default 64 MiB. */
  maxInflatedBytes?: number;
  /** Most events in one batch. Default 20 000. */
  maxEventsPerBatch?: number;
  /** Batches processed at once before answering 503 (saturated). Default 32. */
  maxConcurrentBatches?: number;
  /** Retry-After seconds sent with 503. Default 5. */
  retryAfterSeconds?: number;
  /** How long a verified instance token is trusted without asking Elasticsearch. Default 30 000 ms. */
  tokenCacheTtlMs?: number;
  writer?: BulkWriterOptions;
  onDurable?: DurableHook;
  now?: () => number;
}

/** The running collector API. */
export class CollectorServer {
  readonly #o: Required<Omit<CollectorServerOptions, 'tls' | 'onDurable' | 'writer'>> &
    Pick<CollectorServerOptions, 'tls' | 'onDurable'>;
  readonly #tokens: TokenStore;
  readonly #writer: BulkWriter;
  readonly #cache: TokenCache;
  readonly #server: Server;
  #inFlight = 0;
  #stopped: Promise<void> | undefined;

  constructor(options: CollectorServerOptions) {
    this.#o = {
      host: '127.0.0.1',
      port: 7700,
      maxBodyBytes: 16 * 1024 * 1024,
      maxInflatedBytes: 64 * 1024 * 1024,
      maxEventsPerBatch: 20_000,
      maxConcurrentBatches: 32,
      retryAfterSeconds: 5,
      tokenCacheTtlMs: 30_000,
      now: Date.now,
      ...options,
    };
    this.#tokens = new TokenStore(options.client, options.names, this.#o.now);
    this.#writer = new BulkWriter(options.client, options.names, { now: this.#o.now, ...options.writer });
    this.#cache = new TokenCache(this.#o.tokenCacheTtlMs, 100_000, this.#o.now);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#route(req, res).catch((error) => {
        this.#o.log.error('request failed', { 'url.path': req.url, 'error.message': String(error) });
        if (!res.headersSent) sendError(res, 500, 'internal', 'the collector failed; see its logs');
      });
    };
    this.#server = this.#o.tls
      ? createHttpsServer(
          { cert: readFileSync(this.#o.tls.certFile), key: readFileSync(this.#o.tls.keyFile) },
          handler,
        )
      : createHttpServer(handler);
    // Agents keep connections alive between batches; outlive their idle timeout.
    this.#server.keepAliveTimeout = 65_000;
  }

  /** Starts listening; resolves with the base URL. */
  start(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', (error) =>
        reject(
          new KilnError(
            'KILN_ERR_COLLECTOR',
            `cannot listen on ${this.#o.host}:${this.#o.port}: ${error.message}`,
          ),
        ),
      );
      this.#server.listen(this.#o.port, this.#o.host, () => resolve(this.url()));
    });
  }

  /** The base URL it listens on. */
  url(): string {
    const address = this.#server.address() as AddressInfo;
    return `${this.#o.tls ? 'https' : 'http'}://${this.#o.host}:${address.port}`;
  }

  /** Stops accepting, lets requests in progress finish. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
    return this.#stopped;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === collectorPaths.healthz) return sendJson(res, 200, { status: 'ok' });
    if (path === collectorPaths.readyz) return this.#ready(res);
    if (path === collectorPaths.batches || path === collectorPaths.enroll) {
      if (req.method !== 'POST')
        return sendError(res, 405, 'method_not_allowed', `${path} accepts POST only`, { allow: 'POST' });
      return path === collectorPaths.batches ? this.#batches(req, res) : this.#enroll(req, res);
    }
    sendError(res, 404, 'not_found', `no such endpoint: ${path}`);
  }

  async #ready(res: ServerResponse): Promise<void> {
    try {
      await this.#o.client.cluster.health({ timeout: '1s' });
      sendJson(res, 200, { status: 'ready' });
    } catch {
      sendError(res, 503, 'es_unavailable', 'Elasticsearch is not reachable', this.#retryAfter());
    }
  }

  async #enroll(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let request: EnrollRequest;
    try {
      request = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')) as EnrollRequest;
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendError(res, 413, 'too_large', error.message);
      return sendError(
        res,
        400,
        'bad_request',
        'the body must be JSON: {"enrollmentToken": "...", "instance": {"id": "..."}}',
      );
    }
    const instance = request?.instance;
    if (
      typeof request?.enrollmentToken !== 'string' ||
      typeof instance?.id !== 'string' ||
      instance.id === ''
    ) {
      return sendError(
        res,
        400,
        'bad_request',
        'expected {"enrollmentToken": string, "instance": {"id": string, ...}}',
      );
    }
    try {
      const enrollmentId = await this.#tokens.verifyEnrollmentToken(request.enrollmentToken);
      const identity: InstanceIdentity = { instanceId: instance.id };
      if (typeof instance.imageId === 'string' && instance.imageId) identity.imageId = instance.imageId;
      if (typeof instance.bakeId === 'string' && instance.bakeId) identity.bakeId = instance.bakeId;
      if (typeof instance.hostname === 'string' && instance.hostname) identity.hostname = instance.hostname;
      const instanceToken = await this.#tokens.issueInstanceToken(identity, enrollmentId);
      this.#o.log.info('instance enrolled', {
        'cloud.instance.id': identity.instanceId,
        'cloud.image.id': identity.imageId,
      });
      sendJson(res, 200, { instanceToken, instanceId: identity.instanceId });
    } catch (error) {
      this.#sendFailure(res, error);
    }
  }

  async #batches(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = bearerToken(req);
    if (!token)
      return sendError(res, 401, 'unauthorized', 'missing "Authorization: Bearer <instance token>"');
    if (this.#inFlight >= this.#o.maxConcurrentBatches) {
      req.resume();
      return sendError(res, 503, 'saturated', 'the collector is saturated; retry later', this.#retryAfter());
    }
    this.#inFlight++;
    try {
      const identity = await this.#identityOf(token);
      const body = await readBody(req, this.#o.maxBodyBytes);
      const events = decodeBatch(body, req.headers['content-encoding'], {
        maxInflatedBytes: this.#o.maxInflatedBytes,
        maxEvents: this.#o.maxEventsPerBatch,
      });
      const result = await this.#store(identity, events);
      const unavailable = result.failed.length === events.length;
      sendJson(res, unavailable ? 503 : 200, result, unavailable ? this.#retryAfter() : {});
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return sendError(res, 413, 'too_large', error.message);
      }
      if (error instanceof DecodeError) return sendError(res, error.status, 'bad_batch', error.message);
      this.#sendFailure(res, error);
    } finally {
      this.#inFlight--;
    }
  }

  async #identityOf(token: string): Promise<InstanceIdentity> {
    const hash = hashToken(token);
    const cached = this.#cache.get(hash);
    if (cached) return cached;
    const identity = await this.#tokens.verifyInstanceToken(token);
    this.#cache.set(hash, identity);
    return identity;
  }

  async #store(identity: InstanceIdentity, events: WireEvent[]): Promise<BatchResult> {
    const nowMs = this.#o.now();
    const ingestedAt = new Date(nowMs).toISOString();
    const stamped = events.map((event) => stampIdentity(event, identity, ingestedAt));
    const report = await this.#writer.write(toBulkItems(stamped, this.#o.names, identity.instanceId));
    // Report in the agent's own ids: the stored _id is scoped to the instance.
    const original = new Map(stamped.map((e) => [storedIdOf(identity.instanceId, e.event.id), e]));
    const back = (id: string) => original.get(id)?.event.id ?? id;
    const result: BatchResult = {
      stored: report.stored.map(back),
      duplicates: report.duplicates.map(back),
      deadLettered: report.deadLettered.map((r) => ({ id: back(r.id), reason: r.reason })),
      failed: report.failed.map((r) => ({ id: back(r.id), reason: r.reason })),
    };
    if (this.#o.onDurable) await this.#applyHook(identity, stamped, result, nowMs);
    return result;
  }

  /** Runs the durable hook; if it fails, its events are reported failed so the agent resends them. */
  async #applyHook(
    identity: InstanceIdentity,
    stamped: WireEvent[],
    result: BatchResult,
    nowMs: number,
  ): Promise<void> {
    const durable = new Set([...result.stored, ...result.duplicates]);
    const relevant = stamped.filter((e) => e.kiln.kind !== 'log' && durable.has(e.event.id));
    if (relevant.length === 0) return;
    try {
      await this.#o.onDurable!(identity, relevant, nowMs);
    } catch (error) {
      const reason = `registry update failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#o.log.warn('registry update failed', {
        'cloud.instance.id': identity.instanceId,
        'error.message': reason,
      });
      const ids = new Set(relevant.map((e) => e.event.id));
      result.stored = result.stored.filter((id) => !ids.has(id));
      result.duplicates = result.duplicates.filter((id) => !ids.has(id));
      for (const id of ids) result.failed.push({ id, reason });
    }
  }

  #sendFailure(res: ServerResponse, error: unknown): void {
    if (hasCode(error, 'KILN_ERR_AUTH')) {
      sendError(res, 401, 'unauthorized', error.message);
      return;
    }
    if (hasCode(error, 'KILN_ERR_ES_UNAVAILABLE')) {
      sendError(res, 503, 'es_unavailable', 'Elasticsearch is unavailable; retry later', this.#retryAfter());
      return;
    }
    this.#o.log.error('request failed', { 'error.message': String(error) });
    sendError(res, 500, 'internal', error instanceof Error ? error.message : String(error));
  }

  #retryAfter(): Record<string, string> {
    return { 'retry-after': String(this.#o.retryAfterSeconds) };
  }
}
