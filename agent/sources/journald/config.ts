/**
 * The config of one journald input (`inputs.journald[]` of the agent config): strict, every
 * default stated. An empty object `{}` reads the system journal with kiln's defaults (kernel,
 * systemd, sshd, cloud-init and the application units the bake names).
 */
import { z } from 'zod';

/** Syslog severities, most severe first (`PRIORITY` 0 to 7). */
export const priorityNames = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

const positiveMs = z.number().int().positive();
const bytes = z.number().int().positive();

/** One journald input. */
export const journaldInputSchema = z.strictObject({
  /** Names the input's checkpoint (its cursor) and `kiln.log.journal`; unique. Default `system`. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, { message: 'expected lowercase letters, digits, "-", "_" or "."' })
    .default('system'),
  /** A directory of journal files (`journalctl --directory`). Default the machine's journal. */
  directory: z.string().min(1).optional(),
  /** Journal files (`journalctl --file`). Default none. */
  files: z.array(z.string().min(1)).default([]),
  /** Also read the users' journals (root sees all of them). Default false: the system journal only. */
  userJournals: z.boolean().default(false),
  /**
   * kiln's defaults: the kernel, systemd (PID 1, coredumps, the OOM daemon), sshd, cloud-init,
   * and the application units the bake config names (`agent.afterUnits`, in the image manifest).
   * Default true.
   */
  defaults: z.boolean().default(true),
  /** More units (`_SYSTEMD_UNIT`, and systemd's own lines about them). Default none. */
  units: z.array(z.string().min(1)).default([]),
  /** More syslog identifiers (`SYSLOG_IDENTIFIER`, e.g. `nginx`). Default none. */
  identifiers: z.array(z.string().min(1)).default([]),
  /** Read every entry, ignoring defaults, units and identifiers. Default false. */
  all: z.boolean().default(false),
  /** Entries up to this severity (`journalctl --priority=0..N`). Default `info` (debug left out). */
  priority: z.enum(priorityNames).default('info'),
  /** Where to begin with no saved cursor: the oldest entry kept (`head`) or new entries only (`tail`). Default head. */
  start: z.enum(['head', 'tail']).default('head'),
  /** One long-running `journalctl --follow` (true) or one run per poll (false). Default true. */
  follow: z.boolean().default(true),
  /** Polling interval, and the wait before journalctl is started again after it exited. Default 1000 ms. */
  pollIntervalMs: positiveMs.default(1000),
  /** Most bytes kept of one journal field; the rest is cut and flagged. Default 64 KiB. */
  maxFieldBytes: bytes.default(64 * 1024),
  /** Most bytes kept of one entry (under the collector's per-event cap). Default 256 KiB. */
  maxEntryBytes: bytes.default(256 * 1024),
  /** Bytes of entries read and not yet durable before reading waits (bounded memory). Default 8 MiB. */
  maxBufferedBytes: bytes.default(8 * 1024 * 1024),
  /** The journalctl program. Default `journalctl` (from PATH). */
  journalctl: z.string().min(1).default('journalctl'),
});

/** One journald input, parsed. */
export type JournaldInputConfig = z.output<typeof journaldInputSchema>;
