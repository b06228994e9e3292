/**
 * Starts the OpenTelemetry SDK for metrics only when the standard environment asks for it
 * (`OTEL_METRICS_EXPORTER`, or `OTEL_EXPORTER_OTLP_ENDPOINT` / `..._METRICS_ENDPOINT`), and
 * not when `OTEL_SDK_DISABLED=true`. Exporter, protocol, endpoint, headers and interval then
 * follow the spec's variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/),
 * read by the SDK itself. The SDK is imported lazily so an agent with telemetry off never
 * loads it; esbuild still bundles it, keeping dist/kiln-agent.js a single file.
 */
import type { Logger } from '../../lib/log.ts';

/** Whether the environment turns self-telemetry on. */
export function telemetryRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporter = env.OTEL_METRICS_EXPORTER?.trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
}

/** A started telemetry pipeline. */
export interface Telemetry {
  /** Flushes the last metrics and stops. Idempotent. */
  shutdown(): Promise<void>;
}

/** Starts the SDK when requested; otherwise a no-op. */
export async function startTelemetry(env: NodeJS.ProcessEnv, log: Logger): Promise<Telemetry> {
  if (!telemetryRequested(env)) return { shutdown: async () => {} };
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? 'kiln-agent',
    // Metrics only: no spans or log records are produced, so no processors for them.
    spanProcessors: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  log.info('self-telemetry on', {
    'otel.metrics.exporter': env.OTEL_METRICS_EXPORTER ?? 'otlp',
    'otel.endpoint': env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  let stopped: Promise<void> | undefined;
  return {
    shutdown: () => {
      stopped ??= sdk
        .shutdown()
        .catch((error) => log.warn('telemetry shutdown failed', { 'error.message': String(error) }));
      return stopped;
    },
  };
}
