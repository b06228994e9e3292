/**
 * The instance identity document (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-identity-documents.html),
 * read from the *signed* content only. These are the facts kiln takes as attested: instance id,
 * image id, account, region, availability zone, instance type and `pendingTime` (the launch time).
 */
import { z } from 'zod';

/** The attested facts of one instance. */
export interface AttestedInstance {
  instanceId: string;
  imageId: string;
  accountId: string;
  region: string;
  availabilityZone?: string;
  instanceType?: string;
  /** `pendingTime`: when the instance was launched (or last started), ISO-8601. */
  launchTime: string;
  architecture?: string;
  privateIp?: string;
}

// AWS may add members; only the ones kiln uses are checked. Ids keep AWS's shape (`i-…`, `ami-…`)
// without pinning the hex length, which AWS has changed before (8 → 17 digits).
const documentSchema = z.looseObject({
  instanceId: z.string().regex(/^i-[0-9a-z][0-9a-z-]{0,62}$/),
  imageId: z.string().regex(/^ami-[0-9a-z][0-9a-z-]{0,62}$/),
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  availabilityZone: z.string().max(64).optional(),
  instanceType: z.string().max(64).optional(),
  pendingTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 time'),
  architecture: z.string().max(32).optional(),
  privateIp: z.string().max(64).nullish(),
});

/** Parses the signed document; a readable reason when it is not one. */
export function parseIdentityDocument(
  content: Buffer,
): { ok: true; instance: AttestedInstance } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(content.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the signed content is not JSON' };
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `the identity document's ${issue.path.join('.')} is not valid` };
  }
  const d = parsed.data;
  return {
    ok: true,
    instance: {
      instanceId: d.instanceId,
      imageId: d.imageId,
      accountId: d.accountId,
      region: d.region,
      launchTime: new Date(Date.parse(d.pendingTime)).toISOString(),
      ...(d.availabilityZone ? { availabilityZone: d.availabilityZone } : {}),
      ...(d.instanceType ? { instanceType: d.instanceType } : {}),
      ...(d.architecture ? { architecture: d.architecture } : {}),
      ...(d.privateIp ? { privateIp: d.privateIp } : {}),
    },
  };
}
