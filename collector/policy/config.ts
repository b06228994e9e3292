/**
 * The policy file: which instances, what makes one due (age, drift, silence), what to do about it
 * (replace or notify, never repair) and the safety rails around it. Parsed once, strictly: an
 * unknown key or a bad value is a ConfigError naming the file, the key and the expectation.
 */
import { z } from 'zod';
import { loadConfigFile } from '../../lib/config.ts';
import { actionSchema, durationMs, webhookTargetSchema } from '../actions/config.ts';
import { onBadImageSchema } from './bad-image-config.ts';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A day of the week as written in a policy file. */
export type Weekday = (typeof weekdays)[number];

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const clock = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** A maintenance window: replacements start only inside one (notifications are not gated). */
export const windowSchema = z
  .strictObject({
    /** Days the window opens on (local to timeZone). Default every day. */
    days: z
      .array(z.enum(weekdays))
      .min(1)
      .default([...weekdays]),
    /** `HH:MM-HH:MM` local time; an end before the start runs past midnight. */
    hours: z.string().regex(clock, { message: 'expected HH:MM-HH:MM, e.g. 02:00-05:00' }),
    /** IANA time zone, e.g. Europe/Berlin. Default UTC. */
    timeZone: z
      .string()
      .refine(isTimeZone, { message: 'expected an IANA time zone such as Europe/Berlin' })
      .default('UTC'),
  })
  .transform((w) => {
    const m = clock.exec(w.hours)!;
    return {
      days: w.days,
      timeZone: w.timeZone,
      startMinute: Number(m[1]) * 60 + Number(m[2]),
      endMinute: Number(m[3]) * 60 + Number(m[4]),
    };
  });

/** A parsed maintenance window (minutes after local midnight). */
export type MaintenanceWindow = z.output<typeof windowSchema>;

const oneOrMany = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

/** Which instances a policy governs; every given key must match (globs allowed except in labels). */
export const selectorSchema = z.strictObject({
  /** Tags that must all be present with these values (`labels` in the registry). */
  labels: z.record(z.string(), z.string()).optional(),
  /** `kiln.role` patterns. */
  role: oneOrMany.optional(),
  /** Image patterns, matched against `cloud.image.id` and `kiln.image.name`. */
  image: oneOrMany.optional(),
  /** Auto Scaling group patterns (`kiln.group`). */
  group: oneOrMany.optional(),
});

const share = { message: 'expected a share between 0 and 1, e.g. 0.9' };
const whole = { message: 'expected a whole number (0 or more)' };
const spread = { message: 'expected a percentage from 0 to 50' };

/** Rails that keep a policy from taking a fleet down. */
export const safetySchema = z.strictObject({
  /** Replacements in flight at once across the fleet (until each successor reports in). Default 1. */
  maxConcurrent: z.number().int(whole).min(0, whole).default(1),
  /** Replacements in flight at once within one group. Default 1. */
  maxConcurrentPerGroup: z.number().int(whole).min(0, whole).default(1),
  /** Share (0–1) of a group that must stay healthy (running, not being replaced). Default 0.9. */
  minHealthyShare: z.number().min(0, share).max(1, share).default(0.9),
  /** Replacements start only inside one of these; none means always open. */
  windows: z.array(windowSchema).default([]),
  /** The queue order. Only oldest-first exists: the longest-lived instance goes first. */
  order: z.literal('oldest-first').default('oldest-first'),
});

/** The whole policy file. */
export const policySchema = z
  .strictObject({
    /** Names the policy in the audit (`kiln.decision.policy`) and in decision ids. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'expected letters, digits, ".", "_" or "-"' }),
    selector: selectorSchema.default({}),
    /** Replace an instance older than this (from launch, else boot, else first seen). */
    maxAge: durationMs.optional(),
    /** Spread expiries: each instance is due up to this share of maxAge early (hash of its id). Default 10. */
    spreadPercent: z.number().min(0, spread).max(50, spread).default(10),
    onDrift: z
      .strictObject({
        /** replace (after the grace period) or notify only. Default replace. */
        action: z.enum(['replace', 'notify']).default('replace'),
        /** How long a drift may last before the decision is taken. Default 0s. */
        gracePeriod: durationMs.default(0),
        /** Per severity (critical, high, medium, low), instead of gracePeriod, e.g. `{ high: 1h, medium: 6h }`. Default none. */
        gracePeriodBySeverity: z
          .strictObject({
            critical: durationMs.optional(),
            high: durationMs.optional(),
            medium: durationMs.optional(),
            low: durationMs.optional(),
          })
          .default({}),
      })
      .optional(),
    silence: z
      .strictObject({
        /** No heartbeat for this long: presumed dead, notify. */
        after: durationMs,
        /** Also replace on silence alone. Default false. */
        replace: z.boolean().default(false),
      })
      .optional(),
    /** Go back to the previous image when a new one fails soon after boot (bad-image-config.ts). */
    onBadImage: onBadImageSchema.optional(),
    /** How to replace (aws-asg, aws-ec2-terminate, webhook, command) or notify. */
    action: actionSchema,
    /** Webhook that receives notify decisions (drift/silence notifications). Optional. */
    notify: webhookTargetSchema.optional(),
    safety: safetySchema.default({
      maxConcurrent: 1,
      maxConcurrentPerGroup: 1,
      minHealthyShare: 0.9,
      windows: [],
      order: 'oldest-first',
    }),
    retry: z
      .strictObject({
        /** Attempts of a failed action before it is escalated. Default 3. */
        attempts: z.number().int().min(1).max(20).default(3),
        /** First backoff ceiling between attempts. Default 5s. */
        backoff: durationMs.default(5_000),
      })
      .default({ attempts: 3, backoff: 5_000 }),
    /** Escalate when no successor has reported in this long after a replacement. Default 30m. */
    successorTimeout: durationMs.default(1_800_000),
    /**
     * Write a still-waiting (deferred or skipped) decision again only after this long. Default:
     * every evaluation. Large fleets raise it to keep the audit small.
     */
    auditRepeat: durationMs.optional(),
    /** Stop every replacement (notifications still go out). Default false. */
    killSwitch: z.boolean().default(false),
    /** Decide and audit, but touch nothing. Default false. */
    dryRun: z.boolean().default(false),
  })
  .refine(
    (p) =>
      p.maxAge !== undefined ||
      p.onDrift !== undefined ||
      p.silence !== undefined ||
      p.onBadImage !== undefined,
    { message: 'expected at least one trigger: maxAge, onDrift, silence or onBadImage' },
  )
  .refine((p) => p.onBadImage?.action !== 'rollback' || p.action.type === 'aws-asg' || p.onBadImage.command, {
    message:
      'expected action.type aws-asg, or onBadImage.command for groups another tool owns (onBadImage.action rollback points the groups back to the previous image)',
    path: ['onBadImage', 'command'],
  });

/** A parsed, validated policy. */
export type Policy = z.output<typeof policySchema>;

/** Loads and validates a policy file; throws ConfigError naming file, key and expectation. */
export function loadPolicy(file: string): Policy {
  return loadConfigFile(file, policySchema);
}
