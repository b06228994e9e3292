/**
 * The agent's self-telemetry instruments, on the OpenTelemetry metrics API
 * (https://opentelemetry.io/docs/specs/otel/metrics/api/). Without a started SDK the API is
 * a no-op, so recording costs next to nothing when telemetry is off.
 */
import { metrics, type ObservableResult } from '@opentelemetry/api';
import { kilnVersion } from '../../lib/version.ts';
import type { ShipperObserver } from '../shipper/shipper.ts';

/** What the observable gauges read at collection time. */
export interface AgentGauges {
  /** Events queued or in flight. */
  queuedEvents(): number;
  /** Per file: bytes not yet durable, and seconds since its checkpoint last moved while behind. */
  files(): Array<{ path: string; lagBytes: number; checkpointAgeSeconds: number }>;
}

/** Counters and gauges of one agent. */
export class AgentMetrics implements ShipperObserver {
  readonly #eventsRead;
  readonly #bytesRead;
  readonly #eventsShipped;
  readonly #bytesShipped;
  readonly #retries;
  readonly #dropped;

  constructor(gauges: AgentGauges) {
    const meter = metrics.getMeter('kiln-agent', kilnVersion);
    this.#eventsRead = meter.createCounter('kiln.agent.events.read', {
      description: 'Log records read from files',
      unit: '{event}',
    });
    this.#bytesRead = meter.createCounter('kiln.agent.bytes.read', {
      description: 'Bytes read from files',
      unit: 'By',
    });
    this.#eventsShipped = meter.createCounter('kiln.agent.events.shipped', {
      description: 'Events the collector confirmed durable',
      unit: '{event}',
    });
    this.#bytesShipped = meter.createCounter('kiln.agent.bytes.shipped', {
      description: 'Uncompressed bytes of events confirmed durable',
      unit: 'By',
    });
    this.#retries = meter.createCounter('kiln.agent.retries', {
      description: 'Batch send retries',
      unit: '{retry}',
    });
    this.#dropped = meter.createCounter('kiln.agent.events.dropped', {
      description: 'Events the collector refused for good (too large or malformed)',
      unit: '{event}',
    });
    meter
      .createObservableGauge('kiln.agent.queue.events', {
        description: 'Events queued or in flight',
        unit: '{event}',
      })
      .addCallback((result: ObservableResult) => result.observe(gauges.queuedEvents()));
    meter
      .createObservableGauge('kiln.agent.lag', { description: 'Bytes of a file not yet durable', unit: 'By' })
      .addCallback((result: ObservableResult) => {
        for (const f of gauges.files()) result.observe(f.lagBytes, { 'log.file.path': f.path });
      });
    meter
      .createObservableGauge('kiln.agent.checkpoint.age', {
        description: 'Seconds since a lagging file’s checkpoint last moved (0 when caught up)',
        unit: 's',
      })
      .addCallback((result: ObservableResult) => {
        for (const f of gauges.files()) result.observe(f.checkpointAgeSeconds, { 'log.file.path': f.path });
      });
  }

  /** Counts bytes and records read by a file tailer. */
  read(bytes: number, records: number): void {
    this.#bytesRead.add(bytes);
    this.#eventsRead.add(records);
  }

  /** Counts events confirmed durable. */
  durable(events: number, bytes: number): void {
    this.#eventsShipped.add(events);
    this.#bytesShipped.add(bytes);
  }

  /** Counts a retry. */
  retried(_reason: string): void {
    this.#retries.add(1);
  }

  /** Counts events given up on. */
  dropped(events: number): void {
    this.#dropped.add(events);
  }
}
