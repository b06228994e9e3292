/**
 * The collector's config file (`kiln collector run --config collector.yaml`): strict, parsed
 * once, every default stated here, units in names. Flags override the file. It never holds
 * Elasticsearch credentials (flags or KILN_ES_* environment) or AWS credentials (the SDK's chain).
 *
 *   listen: 0.0.0.0:7700
 *   tls: { certFile: /etc/kiln/cert.pem, keyFile: /etc/kiln/key.pem }
 *   enrollment:
 *     aws: { allow: { accounts: ["123456789012"], regions: [eu-west-1] }, verifyInstance: { enabled: true } }
 *   limits: { perInstance: { bytesPerSecond: 8388608 } }
 */
import { z } from 'zod';
import { loadConfigFile } from '../lib/config.ts';
import { eventFamilies } from '../lib/indices.ts';
import { enrollmentConfigSchema } from './enrollment/config.ts';
import { ingestLimitsSchema } from './ingest/config.ts';

const positiveMs = z.number().int().positive();

/** The whole collector config. */
export const collectorConfigSchema = z
  .strictObject({
    /** HOST:PORT to listen on. Default 127.0.0.1:7700. */
    listen: z
      .string()
      .regex(/^(?:.+:)?\d{1,5}$/, 'HOST:PORT or PORT')
      .default('127.0.0.1:7700'),
    /** Serve HTTPS with this PEM certificate and key. Default plain HTTP. */
    tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    /** Install or upgrade the index templates at start. Default true. */
    setup: z.boolean().default(true),
    limits: ingestLimitsSchema.prefault({}),
    enrollment: enrollmentConfigSchema.prefault({}),
    /** How long a verified instance token is trusted without asking Elasticsearch. Default 30 000 ms. */
    tokenCacheTtlMs: z.number().int().nonnegative().default(30_000),
    /**
     * How much of the identity a log line carries: `lean` (instance, image, host name, agent, bake)
     * or `full` (also provider, account, region, zone, machine type, `host.image.id`). Default lean.
     */
    logIdentity: z.enum(['lean', 'full']).default('lean'),
    /** A running instance with no event for this long is marked silent. Default 300 000 ms. */
    silenceAfterMs: positiveMs.default(300_000),
    /** Days to keep per daily family (e.g. `{ logs: 14, facts: 90 }`). Default: keep all. */
    retention: z.partialRecord(z.enum(eventFamilies), z.number().int().positive()).optional(),
    /** How often retention runs. Default 3 600 000 ms. */
    retentionIntervalMs: positiveMs.default(3_600_000),
    /** A policy file to evaluate, and how often. Default none. */
    policy: z.strictObject({ file: z.string().min(1), intervalMs: positiveMs.default(60_000) }).optional(),
    /**
     * Complete an instance's Auto Scaling terminate lifecycle action (CONTINUE) once its agent's
     * final report is stored, or `deadlineMs` after the notice (docs/agent-journald.md). Default off.
     */
    lifecycleHooks: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Default 120 000 ms. */
        deadlineMs: positiveMs.default(120_000),
        /** How often waiting instances are checked. Default 5 000 ms. */
        intervalMs: positiveMs.default(5000),
        /** The hook to complete. Default: the group's only terminate hook. */
        hookName: z.string().min(1).optional(),
        /** Default: the standard AWS chain. */
        region: z.string().min(1).optional(),
        /** Auto Scaling endpoint override (a VPC endpoint, moto). */
        endpoint: z.url().optional(),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const aws = config.enrollment.aws;
    if (aws.allow.autoscalingGroups.length > 0 && !aws.verifyInstance.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['enrollment', 'aws', 'allow', 'autoscalingGroups'],
        message:
          'expected enrollment.aws.verifyInstance.enabled: true (the group comes from EC2, never from the instance)',
      });
    }
  });

/** The parsed collector config. */
export type CollectorConfig = z.output<typeof collectorConfigSchema>;

/** Loads and validates a collector config file. */
export function loadCollectorConfig(file: string): CollectorConfig {
  return loadConfigFile(file, collectorConfigSchema);
}

/** The defaults, as if an empty file were given. */
export function defaultCollectorConfig(): CollectorConfig {
  return collectorConfigSchema.parse({});
}
