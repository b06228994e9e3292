/**
 * The schema of an action block in a policy file. Replacement is the only remedy kiln has
 * (DESIGN.md principle 1), so every action either replaces an instance or only notifies.
 */
import { z } from 'zod';
import { parseDurationMs } from '../../lib/duration.ts';

function isDuration(text: string): boolean {
  try {
    parseDurationMs(text);
    return true;
  } catch {
    return false;
  }
}

/** A duration string (`30s`, `10m`, `7d`) parsed into milliseconds. */
export const durationMs = z
  .string()
  .refine(isDuration, { message: 'expected a duration such as 30s, 10m, 12h or 7d' })
  .transform(parseDurationMs);

const awsConnection = {
  /** AWS region; default from the standard chain (AWS_REGION, profile). */
  region: z.string().min(1).optional(),
  /** Endpoint override (e.g. a VPC endpoint, or moto in tests). */
  endpoint: z.url().optional(),
};

/** Terminate in the Auto Scaling group without decrementing desired capacity: the group relaunches. */
export const awsAsgActionSchema = z.strictObject({ type: z.literal('aws-asg'), ...awsConnection });

/** Terminate an EC2 instance outside any group: nothing relaunches it unless something else does. */
export const awsEc2TerminateActionSchema = z.strictObject({
  type: z.literal('aws-ec2-terminate'),
  ...awsConnection,
});

/** Where a webhook goes and how it is signed. */
export const webhookTargetSchema = z
  .strictObject({
    url: z.url({ message: 'expected an http(s) URL' }),
    /** Environment variable holding the HMAC secret (secrets never live in the policy file). */
    secretEnv: z.string().min(1).optional(),
    /** File holding the HMAC secret. */
    secretFile: z.string().min(1).optional(),
    /** Per-attempt timeout. Default 10s. */
    timeout: durationMs.default(10_000),
    /** Delivery attempts before the delivery counts as failed. Default 4. */
    attempts: z.number().int().min(1).max(20, { message: 'expected a whole number from 1 to 20' }).default(4),
    /** Extra headers (e.g. a routing key); never the signature. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .refine((w) => Boolean(w.secretEnv) !== Boolean(w.secretFile), {
    message: 'expected exactly one of secretEnv or secretFile (the HMAC secret)',
  });

/** POST the decision as signed JSON; the receiver replaces the instance. */
export const webhookActionSchema = z.strictObject({
  type: z.literal('webhook'),
  webhook: webhookTargetSchema,
});

/** Run a command (e.g. `terraform apply -replace=…`) with the decision in its environment. */
export const commandActionSchema = z.strictObject({
  type: z.literal('command'),
  /** argv: the program and its arguments (no shell; use ["sh", "-c", "…"] when one is needed). */
  command: z.array(z.string().min(1)).min(1, { message: 'expected at least the program name' }),
  /** Kill the command after this long. Default 10m. */
  timeout: durationMs.default(600_000),
  /** Working directory. Default the collector's. */
  cwd: z.string().min(1).optional(),
  /** Extra environment variables. */
  env: z.record(z.string(), z.string()).default({}),
});

/** Record the decision (and send the policy's notify webhook, if any); never touch the instance. */
export const notifyActionSchema = z.strictObject({ type: z.literal('notify') });

/** Any action block. */
export const actionSchema = z.discriminatedUnion(
  'type',
  [
    awsAsgActionSchema,
    awsEc2TerminateActionSchema,
    webhookActionSchema,
    commandActionSchema,
    notifyActionSchema,
  ],
  {
    error:
      'expected one of aws-asg, aws-ec2-terminate, webhook, command, notify (kiln never repairs in place)',
  },
);

/** A parsed action block. */
export type ActionConfig = z.output<typeof actionSchema>;
/** A parsed webhook target. */
export type WebhookTarget = z.output<typeof webhookTargetSchema>;
/** The action types. */
export type ActionType = ActionConfig['type'];
