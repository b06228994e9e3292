/**
 * The `onBadImage` block of a policy: when an image's instances fail soon after boot, go back
 * to the image it replaced. Decided once per image; the rollback is a replacement, never a repair.
 */
import { z } from 'zod';
import { durationMs } from '../actions/config.ts';

const share = { message: 'expected a share between 0 and 1, e.g. 0.2' };
const atLeastOne = { message: 'expected a whole number, 1 or more' };

/** What makes an image bad. */
export const badImageWhenSchema = z.strictObject({
  /** An instance counts as failing when it went silent within this long of its start. Default 15m. */
  silentWithin: durationMs.default(900_000),
  /** The share (0–1) of the image's instances that must fail. Default 0.2. */
  share: z.number().min(0, share).max(1, share).default(0.2),
  /** Judge an image only once it has had this many instances. Default 5. */
  minInstances: z.number().int(atLeastOne).min(1, atLeastOne).default(5),
});

/** For groups Terraform (or anything else) owns: the program that points them back. */
export const rollbackCommandSchema = z.strictObject({
  /**
   * argv (no shell); `{rollback_image_id}`, `{bad_image_id}` and `{group}` are replaced, e.g.
   * ["terraform", "apply", "-auto-approve", "-var", "image_id={rollback_image_id}"].
   */
  command: z.array(z.string().min(1)).min(1, { message: 'expected at least the program name' }),
  /** Kill it after this long. Default 10m. */
  timeout: durationMs.default(600_000),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
});

/** The onBadImage block. */
export const onBadImageSchema = z.strictObject({
  when: badImageWhenSchema.default({ silentWithin: 900_000, share: 0.2, minInstances: 5 }),
  /** rollback (point the groups back, then replace the bad image's instances) or notify only. Default rollback. */
  action: z.enum(['rollback', 'notify']).default('rollback'),
  /** Run this instead of pointing the Auto Scaling group back (needed unless action.type is aws-asg). */
  command: rollbackCommandSchema.optional(),
});

/** A parsed onBadImage block. */
export type OnBadImage = z.output<typeof onBadImageSchema>;
/** A parsed rollback command. */
export type RollbackCommand = z.output<typeof rollbackCommandSchema>;
