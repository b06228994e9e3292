/**
 * Enrollment: who an instance is, whether it may join, and whether it is the one holder of its id.
 *  1. Prove: a signed EC2 identity document (attested facts), or an enrollment token bound to
 *     the instance id (or fleet-wide: trust on first use).
 *  2. Allow: the collector's rules (accounts, regions, images, baked images, groups).
 *  3. Hold: the first enrollment of an id binds it to the secret the agent chose; a later one
 *     must present it (409 otherwise). A first attested enrollment must come within
 *     `maxDocumentAgeMs` of launch, so a copied document cannot be replayed later.
 *  4. Issue: a new instance token; the holder's older tokens are revoked (one live token).
 * Every outcome is audited. Elasticsearch or EC2 being down throws (the caller answers 503).
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import { hasCode } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { outcome, retry } from '../../lib/retry.ts';
import type { EnrollResponse } from '../../lib/wire.ts';
import type { AuditLog, AuditRecord } from '../audit/index.ts';
import type { HolderDoc } from '../tokens/documents.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import type { Versioned } from '../tokens/token-index.ts';
import type { TokenStore } from '../tokens/token-store.ts';
import { type CloudApiFacts, decideAllowed } from './allow.ts';
import type { DescribeInstance } from './aws-iid/describe.ts';
import { verifyAttestation } from './aws-iid/verify.ts';
import type { EnrollmentConfig } from './config.ts';
import { type ParsedEnrollRequest, parseEnrollRequest } from './request.ts';

/** A refused enrollment: the HTTP status, a stable code and a reason. */
export interface EnrollRefusal {
  ok: false;
  status: 400 | 401 | 403 | 409 | 503;
  code: string;
  reason: string;
}

/** The outcome of one enrollment. */
export type EnrollOutcome =
  | { ok: true; response: EnrollResponse; identity: InstanceIdentity }
  | EnrollRefusal;

/** What the service needs. */
export interface EnrollmentServiceOptions {
  tokens: TokenStore;
  audit: AuditLog;
  config: EnrollmentConfig;
  trusted: readonly X509Certificate[];
  /** The bake that produced an image, from the bakes index. */
  bakeOfImage: (imageId: string, region: string) => Promise<string | undefined>;
  /** EC2's view of an instance (used when `verifyInstance` is on). */
  describe?: DescribeInstance;
  log: Logger;
  now: () => number;
}

/** What step 1 established, before the holder is known. */
type Proven = Omit<InstanceIdentity, 'agentId' | 'enrolledAt'> & { enrollmentId?: string; tokenId?: string };

/** Runs enrollments. */
export class EnrollmentService {
  readonly #o: EnrollmentServiceOptions;

  constructor(options: EnrollmentServiceOptions) {
    this.#o = options;
  }

  /** Enrolls the instance a request body describes, from `sourceAddress`. */
  async enroll(body: unknown, sourceAddress: string): Promise<EnrollOutcome> {
    const parsed = parseEnrollRequest(body);
    const base: Partial<AuditRecord> = { sourceAddress };
    if (!parsed.ok) return this.#refuse(base, 400, 'bad_request', parsed.reason);
    const request = parsed.request;
    base.claimedInstanceId = request.instance.id;
    const proven = request.attestation
      ? await this.#attest(request, base)
      : await this.#byToken(request, base);
    if ('ok' in proven) return proven;
    base.instanceId = proven.instanceId;
    base.method = proven.method;
    // Only the same holder racing itself loses a write here: read again and decide again.
    const held = await retry(
      async () => {
        const holder = await this.#o.tokens.holders.read(proven.instanceId);
        const result = await this.#hold(request, proven, holder, base);
        return result === 'retry' ? outcome.retryable('lost a race with itself') : outcome.ok(result);
      },
      { maxAttempts: 3, backoff: { baseMs: 20, maxMs: 200 } },
    );
    if (held.kind === 'ok') return held.value;
    return this.#refuse(
      base,
      409,
      'contended',
      `instance ${proven.instanceId} is being enrolled concurrently; retry`,
    );
  }

  async #attest(request: ParsedEnrollRequest, base: Partial<AuditRecord>): Promise<Proven | EnrollRefusal> {
    const aws = this.#o.config.aws;
    if (!aws.enabled)
      return this.#refuse(base, 403, 'attestation_disabled', 'attested enrollment is turned off');
    const verified = verifyAttestation(request.attestation!, this.#o.trusted, this.#o.now());
    if (!verified.ok) {
      // Whom the refused document claimed to be, for the audit trail of that instance.
      base.claimedInstanceId ??= claimedIdOf(request.attestation!.document);
      return this.#refuse(base, 401, verified.code, `identity document refused: ${verified.reason}`);
    }
    const doc = verified.instance;
    Object.assign(base, {
      instanceId: doc.instanceId,
      accountId: doc.accountId,
      region: doc.region,
      imageId: doc.imageId,
    });
    if (request.instance.id && request.instance.id !== doc.instanceId) {
      return this.#refuse(
        base,
        401,
        'id_mismatch',
        `the request claims instance ${request.instance.id} but the signed document is ${doc.instanceId}'s`,
      );
    }
    let cloud: CloudApiFacts | undefined;
    if (aws.verifyInstance.enabled && this.#o.describe) {
      cloud = await this.#o.describe(doc.instanceId, doc.region);
      if (!cloud || !['pending', 'running'].includes(cloud.state)) {
        return this.#refuse(
          base,
          403,
          'not_running',
          `EC2 says instance ${doc.instanceId} is ${cloud?.state ?? 'unknown'}`,
        );
      }
    }
    const bakeId = await this.#o.bakeOfImage(doc.imageId, doc.region);
    const decision = decideAllowed(doc, aws.allow, {
      bakedImage: bakeId !== undefined,
      ...(cloud ? { cloud } : {}),
    });
    if (!decision.allowed) return this.#refuse(base, 403, 'not_allowed', decision.reason);
    const claimedHost = request.instance.hostname;
    const claimedBake = request.instance.bakeId;
    return {
      instanceId: doc.instanceId,
      method: 'aws-iid',
      imageId: doc.imageId,
      accountId: doc.accountId,
      region: doc.region,
      launchTime: doc.launchTime,
      ...(doc.availabilityZone ? { availabilityZone: doc.availabilityZone } : {}),
      ...(doc.instanceType ? { instanceType: doc.instanceType } : {}),
      ...(cloud?.autoscalingGroup ? { autoscalingGroup: cloud.autoscalingGroup } : {}),
      ...(cloud?.privateDnsName
        ? { hostname: cloud.privateDnsName }
        : claimedHost
          ? { hostname: claimedHost }
          : {}),
      ...(bakeId ? { bakeId } : claimedBake ? { bakeId: claimedBake } : {}),
      provenance: {
        image_id: 'attested',
        account_id: 'attested',
        region: 'attested',
        launch_time: 'attested',
        ...(doc.availabilityZone ? { availability_zone: 'attested' as const } : {}),
        ...(doc.instanceType ? { instance_type: 'attested' as const } : {}),
        ...(cloud?.autoscalingGroup ? { autoscaling_group: 'cloud-api' as const } : {}),
        ...(cloud?.privateDnsName
          ? { host_name: 'cloud-api' as const }
          : claimedHost
            ? { host_name: 'claimed' as const }
            : {}),
        ...(bakeId ? { bake_id: 'collector' as const } : claimedBake ? { bake_id: 'claimed' as const } : {}),
      },
    };
  }

  async #byToken(request: ParsedEnrollRequest, base: Partial<AuditRecord>): Promise<Proven | EnrollRefusal> {
    const instanceId = request.instance.id;
    if (!instanceId) return this.#refuse(base, 400, 'bad_request', 'an enrollment token needs instance.id');
    base.instanceId = instanceId;
    const holder = await this.#o.tokens.holders.read(instanceId);
    const claim = this.#o.tokens.holders.check(holder, request.enrollmentSecret);
    const renewal = claim.kind === 'renewed';
    if (!request.enrollmentToken) {
      // A renewal of a token-enrolled holder may rest on its secret alone (the token may be gone).
      if (claim.kind === 'conflict') return this.#refuse(base, 409, 'claimed_by_other', claim.reason);
      if (!renewal || holder?.doc.kiln.token.method === 'aws-iid') {
        return this.#refuse(base, 401, 'no_credential', 'an attestation or an enrollment token is needed');
      }
      const known = holder!.doc.kiln.identity;
      return {
        ...known,
        ...(holder!.doc.kiln.token.enrollment_id
          ? { enrollmentId: holder!.doc.kiln.token.enrollment_id }
          : {}),
      };
    }
    let token: { id: string; scope: 'bound' | 'fleet' };
    try {
      token = await this.#o.tokens.verifyEnrollmentToken(request.enrollmentToken, instanceId, renewal);
    } catch (error) {
      if (hasCode(error, 'KILN_ERR_AUTH')) return this.#refuse(base, 401, 'bad_token', error.message);
      if (hasCode(error, 'KILN_ERR_FORBIDDEN'))
        return this.#refuse(base, 403, 'token_not_for_instance', error.message);
      throw error;
    }
    base.enrollmentId = token.id;
    if (token.scope === 'fleet' && !this.#o.config.allowFleetTokens) {
      return this.#refuse(
        base,
        403,
        'fleet_tokens_off',
        'fleet-wide enrollment tokens are turned off (allowFleetTokens)',
      );
    }
    const { hostname, imageId, bakeId } = request.instance;
    return {
      instanceId,
      method: token.scope === 'bound' ? 'bound-token' : 'fleet-token',
      enrollmentId: token.id,
      tokenId: token.id,
      ...(hostname ? { hostname } : {}),
      ...(imageId ? { imageId } : {}),
      ...(bakeId ? { bakeId } : {}),
      provenance: {
        ...(hostname ? { host_name: 'claimed' as const } : {}),
        ...(imageId ? { image_id: 'claimed' as const } : {}),
        ...(bakeId ? { bake_id: 'claimed' as const } : {}),
      },
    };
  }

  async #hold(
    request: ParsedEnrollRequest,
    proven: Proven,
    holder: Versioned<HolderDoc> | undefined,
    base: Partial<AuditRecord>,
  ): Promise<EnrollOutcome | 'retry'> {
    const tokens = this.#o.tokens;
    const claim = tokens.holders.check(holder, request.enrollmentSecret);
    if (claim.kind === 'conflict') return this.#refuse(base, 409, 'claimed_by_other', claim.reason);
    const nowMs = this.#o.now();
    if (claim.kind === 'first' && proven.method === 'aws-iid') {
      const replay = this.#replayReason(proven, holder, nowMs);
      if (replay) return this.#refuse(base, 401, 'replay', replay);
    }
    if (
      claim.kind === 'first' &&
      proven.tokenId &&
      !(await tokens.recordUse(proven.tokenId, proven.instanceId))
    ) {
      return this.#refuse(base, 403, 'token_used', 'the single-use enrollment token was already used');
    }
    const { enrollmentId, tokenId: _token, ...facts } = proven;
    const identity: InstanceIdentity = {
      ...facts,
      agentId: claim.kind === 'renewed' ? claim.agentId : `agt_${randomBytes(12).toString('hex')}`,
      enrolledAt: claim.kind === 'renewed' ? claim.enrolledAt : new Date(nowMs).toISOString(),
    };
    const issued = await tokens.issueInstanceToken(identity, enrollmentId);
    if (
      !(await tokens.holders.write(holder, identity, request.enrollmentSecret, issued.hash, enrollmentId))
    ) {
      await tokens.revoke(issued.hash, 'lost a concurrent enrollment of the same id');
      return 'retry';
    }
    await tokens.revokeOtherInstanceTokens(identity.instanceId, issued.hash);
    const holderKind = claim.kind === 'renewed' ? 'renewed' : 'first';
    await this.#audit({
      ...base,
      action: 'enroll',
      outcome: 'success',
      code: holderKind,
      reason: `${holderKind} enrollment by ${identity.method}`,
    });
    this.#o.log.info('instance enrolled', {
      'cloud.instance.id': identity.instanceId,
      'kiln.enrollment.method': identity.method,
      'kiln.enrollment.holder': holderKind,
    });
    return {
      ok: true,
      identity,
      response: {
        instanceToken: issued.token,
        instanceId: identity.instanceId,
        method: identity.method,
        holder: holderKind,
      },
    };
  }

  /** Why a first attested enrollment is too late to trust, or undefined. */
  #replayReason(proven: Proven, holder: Versioned<HolderDoc> | undefined, nowMs: number): string | undefined {
    const maxAgeMs = this.#o.config.aws.maxDocumentAgeMs;
    if (maxAgeMs === 0 || !proven.launchTime) return undefined;
    // An operator reset opens a new window for an instance that was launched long ago.
    const resetAt = holder?.doc.kiln.token.reset_at;
    const start = Math.max(Date.parse(proven.launchTime), resetAt ? Date.parse(resetAt) : 0);
    if (nowMs - start <= maxAgeMs) return undefined;
    return `the identity document is from a launch at ${proven.launchTime}, more than maxDocumentAgeMs (${maxAgeMs}) ago, and this instance id never enrolled: a first enrollment must come soon after launch (an operator can open a new window with kiln token revoke --instance ${proven.instanceId})`;
  }

  async #refuse(
    base: Partial<AuditRecord>,
    status: EnrollRefusal['status'],
    code: string,
    reason: string,
  ): Promise<EnrollRefusal> {
    this.#o.log.warn('enrollment refused', {
      'kiln.enrollment.code': code,
      'error.message': reason,
      'source.address': base.sourceAddress,
      'cloud.instance.id': base.instanceId ?? base.claimedInstanceId,
    });
    await this.#audit({ ...base, action: 'enroll', outcome: 'failure', code, reason });
    return { ok: false, status, code, reason };
  }

  async #audit(
    record: Partial<AuditRecord> & Pick<AuditRecord, 'action' | 'outcome' | 'code' | 'reason'>,
  ): Promise<void> {
    try {
      await this.#o.audit.write(record as AuditRecord);
    } catch (error) {
      this.#o.log.warn('audit write failed', {
        'error.message': String(error),
        'kiln.audit.code': record.code,
      });
    }
  }
}

/** The instanceId a document claims, read without trusting it (audit only). */
function claimedIdOf(document: string): string | undefined {
  try {
    const id = (JSON.parse(document) as { instanceId?: unknown }).instanceId;
    return typeof id === 'string' && id.length <= 128 ? id : undefined;
  } catch {
    return undefined;
  }
}
