/**
 * The collector's HTTP API: `POST /v1/enroll`, `POST /v1/batches`, `GET /healthz`, `GET /readyz`.
 * Stateless: every answer depends only on the request and Elasticsearch, so several collectors
 * can stand behind one address. Everything an instance sends is untrusted: connections, bodies,
 * rates and shapes are bounded (config.ts, docs/security.md), identity comes only from the
 * instance token, and a noisy or hostile instance is answered 429 without touching the others.
 */
import type { X509Certificate } from 'node:crypto';
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
import { findBakeOfImage } from '../../bake/store/es-store.ts';
import { hasCode, KilnError } from '../../lib/errors.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { collectorPaths } from '../../lib/wire.ts';
import { AuditLog } from '../audit/index.ts';
import { loadTrustedCertificates } from '../enrollment/aws-iid/certificates.ts';
import { type DescribeInstance, ec2DescribeInstance } from '../enrollment/aws-iid/describe.ts';
import { type EnrollmentConfig, enrollmentConfigSchema } from '../enrollment/config.ts';
import { EnrollmentService } from '../enrollment/service.ts';
import { BulkWriter, type BulkWriterOptions } from '../storage/bulk-writer/writer.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import { hashToken, TokenStore } from '../tokens/token-store.ts';
import { BatchHandler, type DurableHook } from './batches.ts';
import { type IngestLimits, ingestLimitsSchema } from './config.ts';
import { ConnectionGuard, type ConnectionStats } from './connections.ts';
import { EnrollHandler } from './enroll-handler.ts';
import { bearerToken, refuseUnread, retryAfter, sendError, sendJson } from './http-io.ts';
import { ByteBudget, KeyedBuckets } from './rate-limit.ts';
import type { LogIdentity } from './stamp.ts';
import { TokenCache } from './token-cache.ts';

export type { DurableHook } from './batches.ts';

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
  /** Ingest limits; each missing one takes its default (config.ts). */
  limits?: Partial<IngestLimits> | IngestLimits;
  /** Who may enroll; defaults in enrollment/config.ts (attested enrollment needs allow.accounts). */
  enrollment?: unknown;
  /** Trusted signers of identity documents. Default: from `enrollment.aws.certificateFiles` + AWS's. */
  trustedCertificates?: X509Certificate[];
  /** EC2 lookups for `verifyInstance`. Default the AWS SDK. */
  describe?: DescribeInstance;
  /** How long a verified instance token is trusted without asking Elasticsearch. Default 30 000 ms. */
  tokenCacheTtlMs?: number;
  /** How much of the identity a log line carries. Default lean (stamp.ts). */
  logIdentity?: LogIdentity;
  writer?: BulkWriterOptions;
  onDurable?: DurableHook;
  now?: () => number;
}

/** The running collector API. */
export class CollectorServer {
  readonly #host: string;
  readonly #port: number;
  readonly #tls: boolean;
  readonly #client: Client;
  readonly #log: Logger;
  readonly #limits: IngestLimits;
  readonly #tokens: TokenStore;
  readonly #cache: TokenCache;
  readonly #authFailures: KeyedBuckets;
  readonly #batches: BatchHandler;
  readonly #enroll: EnrollHandler;
  readonly #server: Server;
  readonly #guard: ConnectionGuard;
  readonly #now: () => number;
  #stopped: Promise<void> | undefined;

  constructor(options: CollectorServerOptions) {
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 7700;
    this.#tls = Boolean(options.tls);
    this.#client = options.client;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#limits = ingestLimitsSchema.parse(options.limits ?? {});
    const enrollment: EnrollmentConfig = enrollmentConfigSchema.parse(options.enrollment ?? {});
    this.#tokens = new TokenStore(options.client, options.names, this.#now);
    this.#cache = new TokenCache(options.tokenCacheTtlMs ?? 30_000, 100_000, this.#now);
    const budget = new ByteBudget(this.#limits.maxBufferedBytes);
    this.#authFailures = new KeyedBuckets(
      enrollment.failedAttempts.burst,
      enrollment.failedAttempts.perMinute / 60,
    );
    const writer = new BulkWriter(options.client, options.names, { now: this.#now, ...options.writer });
    this.#batches = new BatchHandler({
      names: options.names,
      writer,
      limits: this.#limits,
      budget,
      log: options.log,
      now: this.#now,
      ...(options.logIdentity ? { logIdentity: options.logIdentity } : {}),
      ...(options.onDurable ? { onDurable: options.onDurable } : {}),
    });
    const service = new EnrollmentService({
      tokens: this.#tokens,
      audit: new AuditLog(options.client, options.names, this.#now),
      config: enrollment,
      trusted:
        options.trustedCertificates ??
        loadTrustedCertificates(enrollment.aws.certificateFiles, enrollment.aws.replaceShippedCertificates),
      bakeOfImage: (imageId, region) => findBakeOfImage(options.client, options.names, imageId, region),
      describe: options.describe ?? ec2DescribeInstance(enrollment.aws.verifyInstance.endpoint),
      log: options.log.child('enroll'),
      now: this.#now,
    });
    this.#enroll = new EnrollHandler({
      service,
      failures: this.#authFailures,
      maxConcurrent: this.#limits.maxConcurrentEnrollments,
      budget,
      log: options.log,
      now: this.#now,
      retryAfterSeconds: this.#limits.retryAfterSeconds,
    });
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#route(req, res).catch((error) => this.#sendFailure(req, res, error));
    };
    // Timeouts are enforced on this interval; the default (30 s) would let slow headers linger.
    const serverOptions = { connectionsCheckingInterval: Math.min(1000, this.#limits.headersTimeoutMs) };
    this.#server = options.tls
      ? createHttpsServer(
          {
            ...serverOptions,
            cert: readFileSync(options.tls.certFile),
            key: readFileSync(options.tls.keyFile),
          },
          handler,
        )
      : createHttpServer(serverOptions, handler);
    this.#guard = new ConnectionGuard(this.#server, this.#limits, options.log);
  }

  /** Starts listening; resolves with the base URL. */
  start(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', (error) =>
        reject(
          new KilnError(
            'KILN_ERR_COLLECTOR',
            `cannot listen on ${this.#host}:${this.#port}: ${error.message}`,
          ),
        ),
      );
      // A deep accept queue (the kernel caps it at net.core.somaxconn): a fleet reconnecting at
      // once, or a flood, should wait to be accepted, not have its handshakes dropped.
      this.#server.listen({ port: this.#port, host: this.#host, backlog: 4096 }, () => resolve(this.url()));
    });
  }

  /** The base URL it listens on. */
  url(): string {
    const address = this.#server.address() as AddressInfo;
    return `${this.#tls ? 'https' : 'http'}://${this.#host}:${address.port}`;
  }

  /** What the connection guard counted. */
  connections(): ConnectionStats {
    return this.#guard.stats();
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
    const method = req.method ?? 'GET';
    if (path === collectorPaths.healthz || path === collectorPaths.readyz) {
      if (method !== 'GET' && method !== 'HEAD') {
        return sendError(res, 405, 'method_not_allowed', `${path} accepts GET only`, { allow: 'GET, HEAD' });
      }
      return path === collectorPaths.healthz ? sendJson(res, 200, { status: 'ok' }) : this.#ready(res);
    }
    if (path === collectorPaths.batches || path === collectorPaths.enroll) {
      if (method !== 'POST') {
        req.resume();
        return sendError(res, 405, 'method_not_allowed', `${path} accepts POST only`, { allow: 'POST' });
      }
      return path === collectorPaths.batches ? this.#batch(req, res) : this.#enroll.handle(req, res);
    }
    req.resume();
    sendError(res, 404, 'not_found', `no such endpoint: ${path}`);
  }

  async #ready(res: ServerResponse): Promise<void> {
    try {
      await this.#client.cluster.health({ timeout: '1s' });
      sendJson(res, 200, { status: 'ready' });
    } catch {
      sendError(res, 503, 'es_unavailable', 'Elasticsearch is not reachable', this.#retryAfter());
    }
  }

  async #batch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const address = req.socket.remoteAddress ?? 'unknown';
    const refuseAuth = (reason: string) => {
      this.#authFailures.take(address, 1, this.#now());
      refuseUnread(req, res, this.#limits.maxBodyBytes, { status: 401, code: 'unauthorized', reason });
    };
    const waitMs = this.#authFailures.waitMs(address, this.#now());
    if (waitMs > 0) {
      return refuseUnread(req, res, this.#limits.maxBodyBytes, {
        status: 429,
        code: 'rate_limited',
        reason: `too many failed attempts from ${address}; retry later`,
        headers: retryAfter(waitMs),
      });
    }
    const token = bearerToken(req);
    if (!token) return refuseAuth('missing "Authorization: Bearer <instance token>"');
    let identity: InstanceIdentity;
    try {
      identity = await this.#identityOf(token);
    } catch (error) {
      if (hasCode(error, 'KILN_ERR_AUTH')) return refuseAuth(error.message);
      throw error;
    }
    await this.#batches.handle(req, res, identity);
  }

  async #identityOf(token: string): Promise<InstanceIdentity> {
    const hash = hashToken(token);
    const cached = this.#cache.get(hash);
    if (cached) return cached;
    const identity = await this.#tokens.verifyInstanceToken(token);
    this.#cache.set(hash, identity);
    return identity;
  }

  #sendFailure(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    // A request the server timed out (408) or the client abandoned: nobody is left to answer.
    if (res.headersSent || res.destroyed || req.destroyed) return;
    req.resume();
    if (hasCode(error, 'KILN_ERR_ES_UNAVAILABLE') || hasCode(error, 'KILN_ERR_CLOUD_UNAVAILABLE')) {
      const what = hasCode(error, 'KILN_ERR_CLOUD_UNAVAILABLE') ? 'EC2' : 'Elasticsearch';
      sendError(res, 503, 'unavailable', `${what} is unavailable; retry later`, this.#retryAfter());
      return;
    }
    this.#log.error('request failed', { 'url.path': req.url, 'error.message': String(error) });
    sendError(res, 500, 'internal', 'the collector failed; see its logs');
  }

  #retryAfter(): Record<string, string> {
    return { 'retry-after': String(this.#limits.retryAfterSeconds) };
  }
}
