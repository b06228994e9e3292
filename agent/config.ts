/**
 * The agent's config (YAML or JSON, `kiln-agent run --config FILE`): strict, parsed once,
 * defaults and units in names. It never holds credentials: the enrollment token is read at
 * run time from a file, an environment variable, EC2 user-data or an SSM parameter.
 */
import { z } from 'zod';
import { loadConfigFile } from '../lib/config.ts';
import { journaldInputSchema } from './sources/journald/config.ts';

const positiveMs = z.number().int().positive();

/** Where the enrollment token comes from at run time (exactly one). */
export const enrollmentTokenSourceSchema = z.union([
  z.strictObject({ file: z.string().min(1) }),
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ userData: z.strictObject({ key: z.string().default('kiln_enrollment_token') }) }),
  z.strictObject({
    ssmParameter: z.strictObject({
      name: z.string().min(1),
      endpoint: z.url().optional(),
      region: z.string().optional(),
    }),
  }),
]);

/** Multiline grouping: a line matching `startPattern` starts a new event. */
export const multilineSchema = z.strictObject({
  startPattern: z.string().min(1),
  /** Flush a group that got no new line for this long. Default 1000 ms. */
  timeoutMs: positiveMs.default(1000),
  /** Most lines in one event. Default 500. */
  maxLines: z.number().int().positive().default(500),
});

/** Where an event's @timestamp comes from; read time when nothing matches. */
export const timestampSchema = z.strictObject({
  /** A regex whose first capture group is an ISO-8601 or RFC 3339 time. */
  pattern: z.string().optional(),
  /** For JSON lines: the field holding the time. */
  jsonField: z.string().optional(),
});

/** One group of files to tail. */
export const fileInputSchema = z.strictObject({
  include: z.array(z.string().min(1)).min(1),
  exclude: z.array(z.string()).default([]),
  multiline: multilineSchema.optional(),
  timestamp: timestampSchema.optional(),
  /** Parse JSON lines into `kiln.log.json` (flattened). Default false. */
  json: z.boolean().default(false),
  /** Longer lines are truncated and flagged, never dropped. Default 1 MiB. */
  maxLineBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
});

/** The agent's whole config. */
export const agentConfigSchema = z.strictObject({
  collector: z.strictObject({
    url: z.url(),
    /**
     * How the agent proves who it is. `auto` (default): the EC2 instance identity document when
     * IMDS serves one, else the enrollment token. `aws-iid`: only the document (fail off EC2).
     * `token`: only the enrollment token.
     */
    attestation: z.enum(['auto', 'aws-iid', 'token']).default('auto'),
    /** Off EC2 (or with attestation: token): where the enrollment token is read at run time. */
    enrollmentToken: enrollmentTokenSourceSchema.optional(),
    /** PEM CA for a collector with its own certificate authority. */
    caFile: z.string().optional(),
    /** Per-request timeout. Default 30 000 ms. */
    requestTimeoutMs: positiveMs.default(30_000),
  }),
  /** Checkpoints, the instance token and the stat cache live here. Default /var/lib/kiln-agent. */
  stateDir: z.string().default('/var/lib/kiln-agent'),
  /** Overrides the instance id (otherwise IMDSv2, then the machine id). */
  instanceId: z.string().optional(),
  inputs: z
    .strictObject({
      files: z.array(fileInputSchema).default([]),
      /** Journals to read (agent/sources/journald/config.ts; `[{}]` = the system journal, kiln's defaults). Default none. */
      journald: z.array(journaldInputSchema).default([]),
      /** How often globs are re-expanded to find new files. Default 1000 ms. */
      scanIntervalMs: positiveMs.default(1000),
      /** How often open files are checked for new bytes. Default 250 ms. */
      pollIntervalMs: positiveMs.default(250),
      /** How often moved checkpoints are saved (always on shutdown). Default 1000 ms. */
      checkpointIntervalMs: positiveMs.default(1000),
      /** A rotated file no glob matches is closed once read, acknowledged and quiet this long. Default 5000 ms. */
      closeRotatedAfterMs: positiveMs.default(5000),
    })
    .prefault({}),
  shipping: z
    .strictObject({
      /** Flush a batch at this many events. Default 2000. */
      batchMaxEvents: z.number().int().positive().default(2000),
      /** Flush a batch at this many uncompressed bytes. Default 2 MiB. */
      batchMaxBytes: z
        .number()
        .int()
        .positive()
        .default(2 * 1024 * 1024),
      /** Flush a non-empty batch after this long. Default 1000 ms. */
      flushIntervalMs: positiveMs.default(1000),
      /** Batches in flight at once. Default 2. */
      maxInFlight: z.number().int().positive().default(2),
      /** Largest event; a longer message is truncated to fit. Keep ≤ the collector's maxEventBytes. Default 1 MiB. */
      maxEventBytes: z
        .number()
        .int()
        .min(4096)
        .default(1024 * 1024),
      /** Events queued or in flight before sources wait. Default 20 000. */
      maxQueuedEvents: z.number().int().positive().default(20_000),
      /**
       * Bytes of events queued or in flight before sources wait: the memory bound (each event's
       * JSON line plus its bookkeeping). Default 4 MiB.
       */
      maxQueuedBytes: z
        .number()
        .int()
        .positive()
        .default(4 * 1024 * 1024),
      /** Retry backoff. Defaults 500 ms base, 30 000 ms max. */
      backoffBaseMs: positiveMs.default(500),
      backoffMaxMs: positiveMs.default(30_000),
    })
    .prefault({}),
  heartbeat: z
    .strictObject({
      /** Default 60 000 ms. */
      intervalMs: positiveMs.default(60_000),
    })
    .prefault({}),
  facts: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** EC2 instance metadata endpoint. Default http://169.254.169.254. */
      imdsUrl: z.url().default('http://169.254.169.254'),
      /** IMDS timeout per request; absent metadata is normal off-cloud. Default 1000 ms. */
      imdsTimeoutMs: positiveMs.default(1000),
      /** The manifest baked into the image. Default /etc/kiln/image.json. */
      manifestPath: z.string().default('/etc/kiln/image.json'),
      /** Re-check facts for changes this often. Default 300 000 ms. */
      refreshIntervalMs: positiveMs.default(300_000),
    })
    .prefault({}),
  drift: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The baseline baked into the image. Default /etc/kiln/baseline.json. */
      baselinePath: z.string().default('/etc/kiln/baseline.json'),
      /** Full incremental check interval. Default 300 000 ms. */
      intervalMs: positiveMs.default(300_000),
      /** A check ignores the stat cache and hashes every file when the last such check is this old. Default 86 400 000 ms (daily). */
      fullCheckIntervalMs: positiveMs.default(86_400_000),
      /** Hashing threads of a check. Default 0: on the agent's own thread, 1 MiB per step (no second isolate; the read budget paces a check anyway). */
      jobs: z.number().int().min(0).max(16).default(0),
      /** Listening sockets are recorded as the first-boot reference once the system has been up this long. Default 300 000 ms. */
      socketSettleMs: z.number().int().min(0).default(300_000),
      /** Also react to file-system events on watched roots. Default true. */
      watch: z.boolean().default(true),
      /** Hashing budget: bytes read per second. Default 32 MiB/s. */
      maxReadBytesPerSecond: z
        .number()
        .int()
        .positive()
        .default(32 * 1024 * 1024),
      /**
       * `auto` (default): between two walks, checks read only the paths the change feed
       * (kiln-drift-feed) reports changed, when it runs; `off`: every check walks the roots.
       */
      changeFeed: z.enum(['auto', 'off']).default('auto'),
      /** The feed's socket (the kiln-drift-feed unit of a baked image); used when it exists. Default /run/kiln-drift-feed/feed.sock. */
      changeFeedSocket: z.string().startsWith('/').default('/run/kiln-drift-feed/feed.sock'),
      /** The feed executable, run by the agent when there is no socket. Default kiln-drift-feed beside the agent. */
      changeFeedCommand: z.string().startsWith('/').optional(),
      /** Debounce of file-system events before an incremental check. Default 2000 ms. */
      watchDebounceMs: positiveMs.default(2000),
      /** Roots captured at bake time (a glob in the last component is expanded). Default /bin, /sbin, /lib*, /usr, /etc, /boot, /opt, as AIDE's. */
      roots: z
        .array(z.string().startsWith('/'))
        .default(['/bin', '/sbin', '/lib*', '/usr', '/etc', '/boot', '/opt']),
      /** Roots watched for file-system events (an early check); the interval covers every root. Default /etc, /usr/bin, /usr/sbin, /usr/local/bin, /boot, /opt, /root/.ssh. */
      watchRoots: z
        .array(z.string().startsWith('/'))
        .default(['/etc', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/boot', '/opt', '/root/.ssh']),
      /** Roots captured in addition to `roots`. Default none. */
      extraRoots: z.array(z.string().startsWith('/')).default([]),
      /** Globs of expected changes, added to the built-in allowlist (host keys, machine-id, …). Default none. */
      allowlist: z.array(z.string().min(1)).default([]),
      /** The dpkg database directory (dpkg --admindir). Default /var/lib/dpkg. */
      dpkgAdminDir: z.string().default('/var/lib/dpkg'),
    })
    .prefault({}),
  termination: z
    .strictObject({
      /** Watch IMDS for an Auto Scaling termination or a spot interruption, then drain and report. Default true. */
      enabled: z.boolean().default(true),
      /** How often `autoscaling/target-lifecycle-state` and `spot/instance-action` are read. Default 5000 ms. */
      pollIntervalMs: positiveMs.default(5000),
    })
    .prefault({}),
  shutdown: z
    .strictObject({
      /** On SIGTERM: read to EOF, ship, wait for acknowledgements up to this long. Default 20 000 ms. */
      deadlineMs: positiveMs.default(20_000),
    })
    .prefault({}),
});

/** The parsed agent config. */
export type AgentConfig = z.output<typeof agentConfigSchema>;
/** One file input, parsed. */
export type FileInputConfig = z.output<typeof fileInputSchema>;

/** Loads and validates the agent config file. */
export function loadAgentConfig(file: string): AgentConfig {
  return loadConfigFile(file, agentConfigSchema);
}
