/**
 * Who may enroll, and how (the `enrollment` section of the collector config). On EC2 an instance
 * proves itself with its AWS-signed identity document; the allow rules then decide whether this
 * fleet accepts it. Off-cloud it presents an enrollment token, bound to its instance id or (named
 * for what it is) a fleet-wide trust-on-first-use token. Every default is stated here and in
 * docs/security.md.
 */
import { z } from 'zod';

const ms = z.number().int().nonnegative();

/** Which attested instances this collector accepts. Empty lists do not restrict; accounts must be set. */
export const awsAllowSchema = z.strictObject({
  /** AWS account ids allowed to enroll. Required for attested enrollment (no default: nobody). */
  accounts: z.array(z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id')).default([]),
  /** Regions allowed. Default: any. */
  regions: z.array(z.string().min(1)).default([]),
  /** Image (AMI) ids allowed. Default: any. */
  imageIds: z.array(z.string().min(1)).default([]),
  /** Only images that a recorded kiln bake produced (the bakes index). Default false. */
  bakedImagesOnly: z.boolean().default(false),
  /** Auto Scaling groups allowed (needs `verifyInstance`: the group comes from EC2). Default: any. */
  autoscalingGroups: z.array(z.string().min(1)).default([]),
});

/** Attested enrollment with the EC2 instance identity document. */
export const awsEnrollmentSchema = z.strictObject({
  /** Accept signed identity documents. Default true (still refused until `allow.accounts` is set). */
  enabled: z.boolean().default(true),
  /** Extra PEM certificates to trust (opt-in regions, China, GovCloud, a test CA). Default none. */
  certificateFiles: z.array(z.string().min(1)).default([]),
  /** Trust only `certificateFiles`, not the AWS certificate kiln ships. Default false. */
  replaceShippedCertificates: z.boolean().default(false),
  /**
   * A first enrollment must come within this long of the document's `pendingTime` (launch), so a
   * document copied off an instance cannot be replayed later. 0 turns the check off. Default 1 h.
   */
  maxDocumentAgeMs: ms.default(3_600_000),
  allow: awsAllowSchema.prefault({}),
  /** Ask EC2 (`DescribeInstances`) that the instance exists and runs; adds group and launch time. */
  verifyInstance: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Endpoint override (e.g. moto in tests). Default the AWS endpoint of the document's region. */
      endpoint: z.url().optional(),
    })
    .prefault({}),
});

/** The enrollment section. */
export const enrollmentConfigSchema = z.strictObject({
  aws: awsEnrollmentSchema.prefault({}),
  /** Accept fleet-wide (trust on first use) enrollment tokens. Default true. */
  allowFleetTokens: z.boolean().default(true),
  /** Failed enrollments allowed per source address: a burst, then this many per minute. */
  failedAttempts: z
    .strictObject({
      /** Default 20. */
      burst: z.number().int().positive().default(20),
      /** Default 10 per minute. */
      perMinute: z.number().positive().default(10),
    })
    .prefault({}),
});

/** The parsed enrollment settings. */
export type EnrollmentConfig = z.output<typeof enrollmentConfigSchema>;
/** The parsed allow rules. */
export type AwsAllowRules = z.output<typeof awsAllowSchema>;
