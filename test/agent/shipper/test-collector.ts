/**
 * A small HTTP server on 127.0.0.1:0 that speaks the collector's contract (lib/wire.ts):
 * POST /v1/enroll → {instanceToken, instanceId}; POST /v1/batches with zstd or gzip NDJSON and a bearer
 * token → BatchResult. Tests script its answers to drive the shipper through retries, 401,
 * 413 and partial failures. The real collector (with Elasticsearch) is exercised by the lead's
 * end-to-end tests in test/e2e/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { BatchResult, WireEvent } from '../../../lib/wire.ts';

/** One received batch. */
export interface ReceivedBatch {
  token: string | undefined;
  encoding: string | undefined;
  events: WireEvent[];
}

/** A scripted answer; undefined means "store everything" (the default behaviour). */
export type Script = (
  batch: ReceivedBatch,
  index: number,
) => { status: number; headers?: Record<string, string>; body?: unknown } | undefined;

/** The test collector. */
export class TestCollector {
  readonly batches: ReceivedBatch[] = [];
  /** Every stored event by id (first copy wins, like `create` on the id). */
  readonly stored = new Map<string, WireEvent>();
  duplicates = 0;
  enrollments = 0;
  validToken = 'instance-token-1';
  script: Script | undefined;
  /** While set, batch answers wait for it (a slow Elasticsearch). */
  hold: Promise<void> | undefined;
  #server: Server;

  readonly #scheme: 'http' | 'https';

  /** With `tls` (PEM certificate and key) it serves HTTPS. */
  constructor(tls?: { cert: string; key: string }) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((error) => {
        res.writeHead(500).end(String(error));
      });
    };
    this.#scheme = tls ? 'https' : 'http';
    this.#server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  }

  /** Listens on `port` (default a free one); resolves with the base URL. */
  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    return `${this.#scheme}://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Closes the server and its connections. */
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Stored log messages. */
  messages(kind = 'log'): string[] {
    return [...this.stored.values()].filter((e) => e.kiln.kind === kind).map((e) => e.message as string);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    };
    if (req.url === '/v1/enroll') {
      const request = JSON.parse(body.toString());
      if (request.enrollmentToken !== 'enroll-secret')
        return send(401, { error: { code: 'unauthorized', reason: 'unknown enrollment token' } });
      this.enrollments++;
      return send(200, { instanceToken: this.validToken, instanceId: request.instance.id });
    }
    const encoding = req.headers['content-encoding'];
    const text =
      encoding === 'gzip'
        ? gunzipSync(body).toString()
        : encoding === 'zstd'
          ? zstdDecompressSync(body).toString()
          : body.toString();
    const events = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as WireEvent);
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    const batch = { token, encoding, events };
    this.batches.push(batch);
    if (this.hold) await this.hold;
    if (token !== this.validToken) return send(401, { error: { code: 'unauthorized', reason: 'bad token' } });
    const scripted = this.script?.(batch, this.batches.length - 1);
    if (scripted) return send(scripted.status, scripted.body ?? {}, scripted.headers);
    return send(200, this.store(events));
  }

  /** Stores events like the real collector: create on the id, a second copy is a duplicate. */
  store(events: WireEvent[], failIds: Set<string> = new Set()): BatchResult {
    const result: BatchResult = { stored: [], duplicates: [], deadLettered: [], failed: [] };
    for (const event of events) {
      const id = event.event.id;
      if (failIds.has(id)) result.failed.push({ id, reason: 'es_rejected_execution_exception' });
      else if (this.stored.has(id)) {
        this.duplicates++;
        result.duplicates.push(id);
      } else {
        this.stored.set(id, event);
        result.stored.push(id);
      }
    }
    return result;
  }
}
