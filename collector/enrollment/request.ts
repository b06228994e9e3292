/**
 * The shape of `POST /v1/enroll` (lib/wire.ts), checked strictly enough that nothing unbounded
 * reaches the stores: ids and names have a safe alphabet and a length, the secret has enough
 * entropy to be one. Unknown top-level members are ignored, so a newer agent can still enroll.
 */
import { z } from 'zod';

const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The request as the collector accepts it. */
export const enrollRequestSchema = z.looseObject({
  attestation: z
    .strictObject({
      type: z.literal('aws-iid'),
      document: z
        .string()
        .min(2)
        .max(8 * 1024),
      pkcs7: z
        .string()
        .min(1)
        .max(32 * 1024),
    })
    .optional(),
  enrollmentToken: z.string().min(1).max(256).optional(),
  enrollmentSecret: z.string().min(32, 'a secret of at least 32 characters').max(256),
  instance: z
    .looseObject({
      id: z.string().regex(instanceIdPattern, 'letters, digits and . _ : - (at most 128)').optional(),
      imageId: z
        .string()
        .regex(/^[A-Za-z0-9._:-]{1,128}$/)
        .optional(),
      hostname: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,253}$/)
        .optional(),
      bakeId: z
        .string()
        .regex(/^[A-Za-z0-9._:-]{1,128}$/)
        .optional(),
      bootId: z.string().max(64).optional(),
    })
    .prefault({}),
});

/** A parsed request. */
export type ParsedEnrollRequest = z.output<typeof enrollRequestSchema>;

/** Parses the body; a one-line reason when it is not a request. */
export function parseEnrollRequest(
  body: unknown,
): { ok: true; request: ParsedEnrollRequest } | { ok: false; reason: string } {
  const parsed = enrollRequestSchema.safeParse(body);
  if (parsed.success) {
    if (!parsed.data.attestation && !parsed.data.enrollmentToken && !parsed.data.instance.id) {
      return { ok: false, reason: 'expected an attestation, or an enrollmentToken and instance.id' };
    }
    return { ok: true, request: parsed.data };
  }
  const issue = parsed.error.issues[0]!;
  const key = issue.path.map(String).join('.') || '(body)';
  return { ok: false, reason: `${key}: ${issue.message.replace(/^Invalid input: /, '')}` };
}
