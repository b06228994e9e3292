/**
 * The documents of the tokens index. Three kinds share it, told apart by `kiln.token.type`:
 * enrollment tokens (`_id` = hash of the token), instance tokens (`_id` = hash of the token) and
 * holder records (`_id` = `holder:<instance id>`), which bind one instance id to one holder.
 */
import type { InstanceIdentity } from './identity.ts';

/** Who may use an enrollment token: listed instance ids, or any (trust on first use). */
export type TokenScope = 'bound' | 'fleet';

/** Fields every token document has under `kiln.token`. */
interface TokenFields {
  hash: string;
  created_at: string;
  revoked: boolean;
  revoked_at?: string;
  revoked_reason?: string;
}

/** An enrollment token. */
export interface EnrollmentTokenDoc {
  '@timestamp': string;
  kiln: {
    token: TokenFields & {
      type: 'enrollment';
      scope: TokenScope;
      instance_ids?: string[];
      single_use: boolean;
      uses: number;
      used_by?: string[];
      expires_at?: string;
      description?: string;
    };
  };
}

/** An instance token: the identity it stands for is kept whole (not indexed) in `kiln.identity`. */
export interface InstanceTokenDoc {
  '@timestamp': string;
  kiln: {
    token: TokenFields & { type: 'instance'; instance_id: string; enrollment_id?: string; method: string };
    identity: InstanceIdentity;
  };
  cloud: { instance: { id: string } };
}

/** The one holder of an instance id. */
export interface HolderDoc {
  '@timestamp': string;
  kiln: {
    token: TokenFields & {
      type: 'holder';
      instance_id: string;
      method: string;
      /** Hash of the secret the holder chose at its first enrollment; absent after a reset. */
      secret_hash?: string;
      enrollment_id?: string;
      /** Hash of the instance token issued last (the only one left valid). */
      current_token?: string;
      enrolled_at: string;
      last_enrolled_at: string;
      /** When an operator reset the instance: the next enrollment is a first one again. */
      reset_at?: string;
    };
    identity: InstanceIdentity;
  };
  cloud: { instance: { id: string } };
}

/** An enrollment token as listed (never the secret). */
export interface EnrollmentTokenInfo {
  id: string;
  scope: TokenScope;
  instanceIds?: string[];
  singleUse: boolean;
  uses: number;
  description?: string;
  createdAt: string;
  expiresAt?: string;
  revoked: boolean;
}

/** An instance token as listed. */
export interface InstanceTokenInfo {
  id: string;
  instanceId: string;
  method: string;
  enrollmentId?: string;
  createdAt: string;
  revoked: boolean;
  revokedReason?: string;
}

/** The listing form of an enrollment token document. */
export function enrollmentInfo(doc: EnrollmentTokenDoc): EnrollmentTokenInfo {
  const t = doc.kiln.token;
  return {
    id: t.hash,
    scope: t.scope ?? 'fleet',
    singleUse: t.single_use ?? false,
    uses: t.uses ?? 0,
    createdAt: t.created_at,
    revoked: t.revoked,
    ...(t.instance_ids ? { instanceIds: t.instance_ids } : {}),
    ...(t.description ? { description: t.description } : {}),
    ...(t.expires_at ? { expiresAt: t.expires_at } : {}),
  };
}

/** The listing form of an instance token document. */
export function instanceInfo(doc: InstanceTokenDoc): InstanceTokenInfo {
  const t = doc.kiln.token;
  return {
    id: t.hash,
    instanceId: t.instance_id,
    method: t.method,
    createdAt: t.created_at,
    revoked: t.revoked,
    ...(t.enrollment_id ? { enrollmentId: t.enrollment_id } : {}),
    ...(t.revoked_reason ? { revokedReason: t.revoked_reason } : {}),
  };
}

/** The `_id` of an instance's holder record. */
export function holderId(instanceId: string): string {
  return `holder:${instanceId}`;
}
