/**
 * The whole collector process (`kiln collector run`): storage setup, the ingest API, retention
 * on a timer, and the periodic jobs other parts register (registry silence sweep, policies).
 * Every job is idempotent and keyed in Elasticsearch, so N collectors can run side by side.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { createEsClient, type EsConnectionOptions } from '../lib/es.ts';
import type { IndexNames } from '../lib/indices.ts';
import { indexNames } from '../lib/indices.ts';
import type { Logger } from '../lib/log.ts';
import { CollectorServer, type CollectorServerOptions, type DurableHook } from './ingest/server.ts';
import { enforceRetention, type RetentionDays } from './storage/retention.ts';
import { setupStorage } from './storage/setup.ts';

/** A background job the collector runs on an interval (e.g. the silence sweep). */
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  run(context: { client: Client; names: IndexNames; nowMs: number }): Promise<void>;
}

/** Long-running parts started with the collector and stopped with it (e.g. the policy loop). */
export interface Companion {
  stop(): Promise<void>;
}

/** Options of `kiln collector run`; each states its default. */
export interface CollectorRunOptions {
  es: EsConnectionOptions;
  indexPrefix: string;
  log: Logger;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7700. */
  port?: number;
  tls?: { certFile: string; keyFile: string };
  /** Ingest limits (collector/ingest/config.ts); missing ones take their defaults. */
  limits?: CollectorServerOptions['limits'];
  /** Who may enroll (collector/enrollment/config.ts). */
  enrollment?: unknown;
  /** Extra settings of the ingest server (tests: trusted certificates, EC2 lookups, the clock). */
  server?: Pick<CollectorServerOptions, 'trustedCertificates' | 'describe' | 'now'>;
  /** How long a verified instance token is trusted without asking Elasticsearch. Default 30 000 ms. */
  tokenCacheTtlMs?: number;
  /** How much of the identity a log line carries. Default lean (collector/ingest/stamp.ts). */
  logIdentity?: CollectorServerOptions['logIdentity'];
  /** Install/upgrade templates at start. Default true. */
  setup?: boolean;
  /** Retention per family; none means keep everything. */
  retention?: RetentionDays;
  /** How often retention runs. Default 3 600 000 ms. */
  retentionIntervalMs?: number;
  onDurable?: DurableHook;
  /** Builds hooks that need the client (e.g. the registry updater) once it exists. */
  onReady?: (context: { client: Client; names: IndexNames; collectorId: string }) => {
    onDurable?: DurableHook;
  };
  jobs?: PeriodicJob[];
  /** Builds companions once storage is ready (the policy loop). */
  companions?: (context: { client: Client; names: IndexNames; collectorId: string }) => Companion[];
}

/** A running collector. */
export interface RunningCollector {
  url: string;
  collectorId: string;
  stop(): Promise<void>;
}

/** Starts everything; resolves once the API listens. */
export async function runCollector(options: CollectorRunOptions): Promise<RunningCollector> {
  const client = createEsClient(options.es);
  const names = indexNames(options.indexPrefix);
  const collectorId = `collector-${randomBytes(4).toString('hex')}`;
  const log = options.log;
  if (options.setup ?? true) {
    const outcomes = await setupStorage(client, names);
    log.info('storage ready', { templates: outcomes.map((o) => `${o.name}:${o.action}`).join(' ') });
  }
  const onDurable = options.onReady?.({ client, names, collectorId }).onDurable ?? options.onDurable;
  const server = new CollectorServer({
    client,
    names,
    log: log.child('ingest'),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.enrollment !== undefined ? { enrollment: options.enrollment } : {}),
    ...(options.tokenCacheTtlMs !== undefined ? { tokenCacheTtlMs: options.tokenCacheTtlMs } : {}),
    ...(options.logIdentity ? { logIdentity: options.logIdentity } : {}),
    ...options.server,
    ...(onDurable ? { onDurable } : {}),
  });
  const url = await server.start();
  const jobs: PeriodicJob[] = [...(options.jobs ?? [])];
  if (options.retention) {
    const retention = options.retention;
    jobs.push({
      name: 'retention',
      intervalMs: options.retentionIntervalMs ?? 3_600_000,
      run: async ({ nowMs }) => {
        const deleted = await enforceRetention(client, names, retention, nowMs);
        if (deleted.length) log.info('retention deleted indices', { indices: deleted });
      },
    });
  }
  const timers = jobs.map((job) => startJob(job, { client, names }, log));
  const companions = options.companions?.({ client, names, collectorId }) ?? [];
  log.info('collector listening', { 'url.full': url, collector: collectorId });
  let stopping: Promise<void> | undefined;
  return {
    url,
    collectorId,
    stop: () => {
      stopping ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        await Promise.all(companions.map((c) => c.stop()));
        await server.stop();
        await client.close();
      })();
      return stopping;
    },
  };
}

function startJob(
  job: PeriodicJob,
  context: { client: Client; names: IndexNames },
  log: Logger,
): NodeJS.Timeout {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await job.run({ ...context, nowMs: Date.now() });
    } catch (error) {
      log.warn(`job ${job.name} failed; it runs again next interval`, { 'error.message': String(error) });
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, job.intervalMs);
  timer.unref();
  return timer;
}
