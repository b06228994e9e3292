/**
 * The assembled agent: config → identity → enrollment → shipper → sources. Sources are a
 * list wired by config (the file source, boot facts, drift, heartbeat); they never import the
 * shipper. Shutdown follows the order: read every file to its end, ship without
 * batching delay, wait for acknowledgements up to `shutdown.deadlineMs`, then log and ship
 * each file's completeness.
 */
import { randomUUID } from 'node:crypto';
import { describeError, hasCode, KilnError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { outcome, parseRetryAfterMs, retry } from '../../lib/retry.ts';
import { kilnVersion } from '../../lib/version.ts';
import type { AgentConfig } from '../config.ts';
import { createDriftSource } from '../drift/index.ts';
import { createFactsSource } from '../facts/index.ts';
import { createHeartbeatSource } from '../heartbeat.ts';
import { resolveIdentity } from '../identity.ts';
import type { AgentIdentity, Source } from '../pipeline/source.ts';
import { CollectorClient } from '../shipper/collector-client.ts';
import { Shipper } from '../shipper/shipper.ts';
import { createFileSource, type FileCompleteness, type FileSource } from '../sources/file/index.ts';
import {
  createJournaldSource,
  type JournalCompleteness,
  type JournaldSource,
} from '../sources/journald/index.ts';
import { AgentMetrics } from '../telemetry/metrics.ts';
import { startTelemetry, type Telemetry } from '../telemetry/sdk.ts';
import { InstanceTokens } from './instance-token.ts';
import {
  buildCompletenessEvent,
  buildFinalReportEvent,
  buildJournalCompletenessEvent,
  buildStartEvent,
} from './lifecycle-events.ts';
import { createTerminationWatcher } from './termination.ts';

/** Options for tests and embedding; each states its default. */
export interface AgentRuntimeOptions {
  log: Logger;
  /** Default Date.now. */
  now?: () => number;
  /** The identity; default resolveIdentity(config). */
  identity?: AgentIdentity;
  /** Sources besides files; default facts, drift and heartbeat. */
  otherSources?: (config: AgentConfig, identity: AgentIdentity, log: Logger) => Source[];
  /** Environment for OTEL_* settings. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Aborts a start still waiting for the collector (SIGTERM before enrollment). */
  signal?: AbortSignal;
}

/** What shutdown achieved. */
export interface ShutdownReport {
  files: FileCompleteness[];
  journals: JournalCompleteness[];
  /** True when every pushed event was acknowledged before the deadline. */
  allAcknowledged: boolean;
}

/** The standard sources besides files. */
export function defaultOtherSources(config: AgentConfig, identity: AgentIdentity, log: Logger): Source[] {
  return [
    createFactsSource(config, identity, log.child('facts')),
    createDriftSource(config, identity, log.child('drift')),
    createHeartbeatSource(config, identity, log.child('heartbeat')),
  ];
}

/** A running agent. Build it with startAgent. */
export class AgentRuntime {
  readonly identity: AgentIdentity;
  readonly files: FileSource;
  readonly journals: JournaldSource;
  /** Resolves with a reason when the agent itself decided to stop (a termination notice). */
  readonly stopRequested: Promise<string>;
  readonly #sources: Source[];
  readonly #shipper: Shipper;
  readonly #client: CollectorClient;
  readonly #telemetry: Telemetry;
  readonly #config: AgentConfig;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #runId = randomUUID();
  #shutdown: Promise<ShutdownReport> | undefined;
  #termination: 'autoscaling' | 'spot' | undefined;
  #requestStop: (reason: string) => void = () => {};

  constructor(parts: {
    config: AgentConfig;
    identity: AgentIdentity;
    files: FileSource;
    journals: JournaldSource;
    others: Source[];
    shipper: Shipper;
    client: CollectorClient;
    telemetry: Telemetry;
    log: Logger;
    now: () => number;
  }) {
    this.identity = parts.identity;
    this.files = parts.files;
    this.journals = parts.journals;
    this.#sources = [parts.files, parts.journals, ...parts.others];
    this.stopRequested = new Promise((resolve) => {
      this.#requestStop = resolve;
    });
    this.#shipper = parts.shipper;
    this.#client = parts.client;
    this.#telemetry = parts.telemetry;
    this.#config = parts.config;
    this.#log = parts.log;
    this.#now = parts.now;
  }

  /** The run's id (lifecycle event ids). */
  get runId(): string {
    return this.#runId;
  }

  /** A termination notice: drain and report like SIGTERM, marking the report with its kind. */
  requestTermination(kind: 'autoscaling' | 'spot', reason: string): void {
    this.#termination ??= kind;
    this.#requestStop(reason);
  }

  /** Adds a source after construction (the termination watcher needs the runtime). */
  addSource(source: Source): void {
    this.#sources.push(source);
  }

  /** Starts every source and sends the start event. */
  async start(): Promise<void> {
    this.#shipper.push(buildStartEvent(this.identity, this.#runId, this.#now()), () => {}).catch(() => {});
    for (const source of this.#sources) await source.start(this.#shipper);
    this.#log.info('kiln-agent running', {
      'agent.version': kilnVersion,
      'cloud.instance.id': this.identity.instanceId,
      'kiln.sources': this.#sources.map((s) => s.name),
    });
  }

  /** Drains, ships, reports completeness and stops. Idempotent; resolves with the report. */
  shutdown(reason: string): Promise<ShutdownReport> {
    this.#shutdown ??= this.#doShutdown(reason);
    return this.#shutdown;
  }

  async #doShutdown(reason: string): Promise<ShutdownReport> {
    const deadline = this.#now() + this.#config.shutdown.deadlineMs;
    // Keep a little of the deadline to ship the completeness report itself.
    const reportReserveMs = Math.min(2000, this.#config.shutdown.deadlineMs / 10);
    const left = (reserve = 0) => Math.max(0, deadline - reserve - this.#now());
    this.#log.info('shutting down: reading every file to its end', { 'kiln.lifecycle.reason': reason });
    this.#shipper.flushNow();
    const drained = Promise.all(this.#sources.map((s) => s.drain?.() ?? Promise.resolve()));
    await raceTimeout(drained, left(reportReserveMs));
    let allAcknowledged = await this.#shipper.waitIdle(left(reportReserveMs));
    const files = this.files.completeness();
    for (const file of files) {
      const fields = {
        'kiln.completeness.file': file.file,
        'kiln.completeness.bytes_shipped': file.bytesShipped,
        'kiln.completeness.file_size': file.fileSize,
        'kiln.completeness.complete': file.complete,
      };
      if (file.complete) this.#log.info('file completeness at shutdown', fields);
      else this.#log.warn('file incomplete at shutdown', fields);
      const event = buildCompletenessEvent(this.identity, this.#runId, this.#now(), reason, file);
      await raceTimeout(
        this.#shipper.push(event, () => {}),
        left(),
      );
    }
    const journals = this.journals.completeness();
    for (const journal of journals) {
      const fields = {
        'kiln.completeness.journal': journal.journal,
        'kiln.completeness.entries_read': journal.entriesRead,
        'kiln.completeness.entries_shipped': journal.entriesShipped,
        'kiln.completeness.complete': journal.complete,
      };
      if (journal.complete) this.#log.info('journal completeness at shutdown', fields);
      else this.#log.warn('journal incomplete at shutdown', fields);
      const event = buildJournalCompletenessEvent(this.identity, this.#runId, this.#now(), reason, journal);
      await raceTimeout(
        this.#shipper.push(event, () => {}),
        left(),
      );
    }
    allAcknowledged = (await this.#shipper.waitIdle(left())) && allAcknowledged;
    // Last, once the per-source reports are durable: the collector acts on this one.
    const complete = allAcknowledged && [...files, ...journals].every((s) => s.complete);
    const final = buildFinalReportEvent(this.identity, this.#runId, this.#now(), reason, {
      complete,
      sources: files.length + journals.length,
      ...(this.#termination ? { termination: this.#termination } : {}),
    });
    await raceTimeout(
      this.#shipper.push(final, () => {}),
      left(),
    );
    allAcknowledged = (await this.#shipper.waitIdle(left())) && allAcknowledged;
    this.#shipper.stop();
    await Promise.all(
      this.#sources.map((s) =>
        s.stop().catch((e) => this.#log.warn('source stop failed', { 'error.message': describeError(e) })),
      ),
    );
    await this.#client.close();
    await this.#telemetry.shutdown();
    this.#log.info('kiln-agent stopped', {
      'kiln.lifecycle.reason': reason,
      'kiln.shutdown.all_acknowledged': allAcknowledged,
      'kiln.shutdown.files_complete': files.filter((f) => f.complete).length,
      'kiln.shutdown.files': files.length,
    });
    return { files, journals, allAcknowledged };
  }
}

function raceTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Builds and starts the agent: identity, enrollment (retried while the collector is
 * unreachable; a refused enrollment token fails at once), then sources.
 */
export async function startAgent(config: AgentConfig, options: AgentRuntimeOptions): Promise<AgentRuntime> {
  const log = options.log;
  const now = options.now ?? Date.now;
  const identity = options.identity ?? (await resolveIdentity(config));
  const telemetry = await startTelemetry(options.env ?? process.env, log.child('telemetry'));
  const client = new CollectorClient({
    url: config.collector.url,
    caFile: config.collector.caFile,
    requestTimeoutMs: config.collector.requestTimeoutMs,
    connections: config.shipping.maxInFlight + 1,
  });
  const tokens = new InstanceTokens(config, identity, client, log.child('enroll'));
  try {
    await enrollWithRetry(tokens, config, log, options.signal);
  } catch (error) {
    await client.close();
    await telemetry.shutdown();
    throw error;
  }
  let files: FileSource | undefined;
  let shipper: Shipper | undefined;
  const metrics = new AgentMetrics({
    queuedEvents: () => shipper?.outstanding ?? 0,
    files: () => files?.lag() ?? [],
  });
  shipper = new Shipper(client, tokens, log.child('shipper'), {
    maxEvents: config.shipping.batchMaxEvents,
    maxBytes: config.shipping.batchMaxBytes,
    flushIntervalMs: config.shipping.flushIntervalMs,
    maxInFlight: config.shipping.maxInFlight,
    maxEventBytes: config.shipping.maxEventBytes,
    maxQueuedEvents: config.shipping.maxQueuedEvents,
    maxQueuedBytes: config.shipping.maxQueuedBytes,
    backoffBaseMs: config.shipping.backoffBaseMs,
    backoffMaxMs: config.shipping.backoffMaxMs,
    now,
    observer: metrics,
  });
  files = createFileSource(config, identity, log, { now, onRead: (b, r) => metrics.read(b, r) });
  const journals = createJournaldSource(config, identity, log, { now });
  const others = (options.otherSources ?? defaultOtherSources)(config, identity, log);
  const runtime = new AgentRuntime({
    config,
    identity,
    files,
    journals,
    others,
    shipper,
    client,
    telemetry,
    log,
    now,
  });
  if (config.termination.enabled) runtime.addSource(createTerminationWatcher(config, runtime, log, now));
  await runtime.start();
  return runtime;
}

async function enrollWithRetry(
  tokens: InstanceTokens,
  config: AgentConfig,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<void> {
  const result = await retry(
    async () => {
      if (signal?.aborted) {
        return outcome.permanent(
          new KilnError('KILN_ERR_AGENT', 'stopped before the agent could enroll with the collector'),
        );
      }
      try {
        return outcome.ok(await tokens.get());
      } catch (error) {
        const status = (error as { status?: number }).status ?? 0;
        const permanent =
          hasCode(error, 'KILN_ERR_AUTH') ||
          hasCode(error, 'KILN_ERR_FORBIDDEN') ||
          hasCode(error, 'KILN_ERR_CONFLICT') ||
          hasCode(error, 'KILN_ERR_CONFIG') ||
          (status >= 400 && status < 500 && status !== 408 && status !== 429);
        if (permanent) return outcome.permanent(error);
        const retryAfter = parseRetryAfterMs(
          (error as { retryAfter?: string | string[] }).retryAfter,
          Date.now(),
        );
        return outcome.retryable(error, retryAfter);
      }
    },
    {
      backoff: { baseMs: config.shipping.backoffBaseMs, maxMs: config.shipping.backoffMaxMs },
      ...(signal ? { signal } : {}),
      onRetry: ({ delayMs, error }) =>
        log.warn('collector not reachable for enrollment; retrying', {
          'error.message': describeError(error),
          'kiln.retry.delay_ms': delayMs,
        }),
    },
  );
  if (result.kind === 'ok') return;
  if (result.kind === 'retryable' && signal?.aborted) {
    throw new KilnError('KILN_ERR_AGENT', 'stopped before the agent could enroll with the collector');
  }
  throw result.error;
}
