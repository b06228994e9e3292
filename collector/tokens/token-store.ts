/**
 * The owner of `<prefix>-tokens`: enrollment tokens, instance tokens and holder records. Tokens
 * are 256 random bits stored only as their SHA-256 (a lookup is one GET; the index never holds a
 * usable secret). Revoking an enrollment token revokes every instance token minted from it;
 * resetting an instance revokes its tokens and frees its id for a new first enrollment.
 */
import type { Client } from '@elastic/elasticsearch';
import { KilnError } from '../../lib/errors.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { outcome, retry } from '../../lib/retry.ts';
import {
  type EnrollmentTokenDoc,
  type EnrollmentTokenInfo,
  enrollmentInfo,
  type InstanceTokenDoc,
  type InstanceTokenInfo,
  instanceInfo,
  type TokenScope,
} from './documents.ts';
import { Holders } from './holders.ts';
import type { InstanceIdentity } from './identity.ts';
import { authError, hashToken, newToken, TokenIndex } from './token-index.ts';

export type { EnrollmentTokenInfo, InstanceTokenInfo, TokenScope } from './documents.ts';
export type { EnrollmentMethod, InstanceIdentity, Provenance } from './identity.ts';
export { hashToken, newToken } from './token-index.ts';

/** Options of a new enrollment token. */
export interface EnrollmentTokenOptions {
  /** `bound` tokens enroll only `instanceIds`; `fleet` tokens any id (trust on first use). */
  scope: TokenScope;
  instanceIds?: string[];
  /** Usable for one first enrollment only. Default false. */
  singleUse?: boolean;
  ttlMs?: number;
  description?: string;
}

/** A verified enrollment token, as enrollment needs it. */
export interface VerifiedEnrollmentToken {
  id: string;
  scope: TokenScope;
}

/** What a revocation reached. */
export interface RevokeReport {
  kind: 'enrollment' | 'instance';
  /** Instance tokens revoked along with it. */
  instanceTokens: number;
}

/** Reads and writes the tokens index. */
export class TokenStore {
  readonly #index: TokenIndex;
  readonly #now: () => number;
  /** The holder records (one instance id, one holder). */
  readonly holders: Holders;

  constructor(client: Client, names: IndexNames, now: () => number = Date.now) {
    this.#index = new TokenIndex(client, names.state('tokens'));
    this.#now = now;
    this.holders = new Holders(this.#index, now);
  }

  /** Creates an enrollment token; the secret is returned once and stored only hashed. */
  async createEnrollmentToken(
    options: EnrollmentTokenOptions,
  ): Promise<{ token: string; info: EnrollmentTokenInfo }> {
    if (options.scope === 'bound' && !options.instanceIds?.length) {
      throw new KilnError('KILN_ERR_USAGE', 'a bound enrollment token needs at least one instance id');
    }
    const token = newToken('enr');
    const hash = hashToken(token);
    const now = this.#now();
    const doc: EnrollmentTokenDoc = {
      '@timestamp': new Date(now).toISOString(),
      kiln: {
        token: {
          hash,
          type: 'enrollment',
          scope: options.scope,
          single_use: options.singleUse ?? false,
          uses: 0,
          created_at: new Date(now).toISOString(),
          revoked: false,
          ...(options.scope === 'bound' ? { instance_ids: [...new Set(options.instanceIds)] } : {}),
          ...(options.ttlMs ? { expires_at: new Date(now + options.ttlMs).toISOString() } : {}),
          ...(options.description ? { description: options.description } : {}),
        },
      },
    };
    await this.#index.create(hash, doc, 'storing an enrollment token');
    return { token, info: enrollmentInfo(doc) };
  }

  /**
   * Verifies an enrollment token for `instanceId`: it exists, is not revoked or expired, is bound
   * to that id (or fleet-wide), and a single-use token is still unused unless `renewal`.
   * KILN_ERR_AUTH (401) when the token is no good, KILN_ERR_FORBIDDEN (403) when it is not this id's.
   */
  async verifyEnrollmentToken(
    token: string,
    instanceId: string,
    renewal: boolean,
  ): Promise<VerifiedEnrollmentToken> {
    const read = await this.#index.read<EnrollmentTokenDoc>(hashToken(token), 'reading an enrollment token');
    const t = read?.doc.kiln.token;
    if (t?.type !== 'enrollment') throw authError('unknown enrollment token');
    if (t.revoked) throw authError('the enrollment token was revoked');
    if (t.expires_at && Date.parse(t.expires_at) <= this.#now())
      throw authError(`the enrollment token expired at ${t.expires_at}`);
    const scope = t.scope ?? 'fleet';
    if (scope === 'bound' && !(t.instance_ids ?? []).includes(instanceId)) {
      throw new KilnError(
        'KILN_ERR_FORBIDDEN',
        `the enrollment token is not bound to instance ${instanceId}`,
      );
    }
    if (t.single_use && !renewal && (t.uses ?? 0) >= 1) {
      throw new KilnError('KILN_ERR_FORBIDDEN', 'the single-use enrollment token was already used');
    }
    return { id: t.hash, scope };
  }

  /** Counts a first enrollment against a token; false when a single-use token lost a race. */
  async recordUse(tokenId: string, instanceId: string): Promise<boolean> {
    const result = await retry(
      async () => {
        const read = await this.#index.read<EnrollmentTokenDoc>(tokenId, 'reading an enrollment token');
        if (!read) return outcome.ok(false);
        const t = read.doc.kiln.token;
        if (t.single_use && (t.uses ?? 0) >= 1) return outcome.ok(false);
        const used_by = [...(t.used_by ?? []), instanceId].slice(-100);
        const doc: EnrollmentTokenDoc = {
          ...read.doc,
          kiln: { token: { ...t, uses: (t.uses ?? 0) + 1, used_by } },
        };
        const written = await this.#index.replace(tokenId, doc, read, 'counting an enrollment token use');
        return written ? outcome.ok(true) : outcome.retryable('the token changed while its use was counted');
      },
      { maxAttempts: 10, backoff: { baseMs: 10, maxMs: 200 } },
    );
    return result.kind === 'ok' && result.value;
  }

  /** Issues an instance token for `identity`; the token is returned once and stored hashed. */
  async issueInstanceToken(
    identity: InstanceIdentity,
    enrollmentId?: string,
  ): Promise<{ token: string; hash: string }> {
    const token = newToken('ins');
    const hash = hashToken(token);
    const now = new Date(this.#now()).toISOString();
    const doc: InstanceTokenDoc = {
      '@timestamp': now,
      kiln: {
        token: {
          hash,
          type: 'instance',
          instance_id: identity.instanceId,
          method: identity.method,
          created_at: now,
          revoked: false,
          ...(enrollmentId ? { enrollment_id: enrollmentId } : {}),
        },
        identity,
      },
      cloud: { instance: { id: identity.instanceId } },
    };
    await this.#index.create(hash, doc, 'storing an instance token');
    return { token, hash };
  }

  /** The identity an instance token stands for, or a KILN_ERR_AUTH error. */
  async verifyInstanceToken(token: string): Promise<InstanceIdentity> {
    const read = await this.#index.read<InstanceTokenDoc>(hashToken(token), 'reading an instance token');
    const t = read?.doc.kiln.token;
    if (!read || t?.type !== 'instance' || !read.doc.kiln.identity) throw authError('unknown instance token');
    if (t.revoked)
      throw authError(`the instance token was revoked${t.revoked_reason ? ` (${t.revoked_reason})` : ''}`);
    return read.doc.kiln.identity;
  }

  /**
   * Revokes a token by its id (hash) or by the token itself. An enrollment token takes every
   * instance token minted from it along, and its holders can no longer renew. Undefined when
   * there is no such token.
   */
  async revoke(idOrToken: string, reason = 'revoked by an operator'): Promise<RevokeReport | undefined> {
    const id = /^[0-9a-f]{64}$/.test(idOrToken) ? idOrToken : hashToken(idOrToken);
    const read = await this.#index.read<EnrollmentTokenDoc | InstanceTokenDoc>(id, 'reading a token');
    const type = read?.doc.kiln.token.type;
    if (!read || (type !== 'enrollment' && type !== 'instance')) return undefined;
    await this.#markRevoked(id, reason);
    if (type === 'instance') return { kind: 'instance', instanceTokens: 1 };
    let count = 0;
    const minted = [{ term: { 'kiln.token.enrollment_id': id } }, { term: { 'kiln.token.revoked': false } }];
    for await (const hit of this.#index.all<InstanceTokenDoc | { kiln: { token: { type: string } } }>(
      minted,
      [],
      'listing the tokens minted from an enrollment token',
    )) {
      await this.#markRevoked(hit.id, `its enrollment token ${id.slice(0, 16)} was revoked`);
      if (hit.doc.kiln.token.type === 'instance') count++;
    }
    return { kind: 'enrollment', instanceTokens: count };
  }

  /**
   * Resets an instance: revokes all its instance tokens and clears its holder, so the next
   * enrollment of that id is a first one. Undefined when the id never enrolled.
   */
  async revokeInstance(
    instanceId: string,
    reason = 'reset by an operator',
  ): Promise<RevokeReport | undefined> {
    const reset = await this.holders.reset(instanceId, reason);
    let count = 0;
    for (const token of await this.listInstanceTokens({ instanceId })) {
      if (token.revoked) continue;
      await this.#markRevoked(token.id, reason);
      count++;
    }
    return reset || count > 0 ? { kind: 'instance', instanceTokens: count } : undefined;
  }

  /** Revokes the instance tokens of `instanceId` other than `keepHash` (one holder, one live token). */
  async revokeOtherInstanceTokens(instanceId: string, keepHash: string): Promise<number> {
    let count = 0;
    for (const token of await this.listInstanceTokens({ instanceId })) {
      if (token.revoked || token.id === keepHash) continue;
      await this.#markRevoked(token.id, 'replaced by a newer enrollment of the same holder');
      count++;
    }
    return count;
  }

  /** Every enrollment token, newest first. */
  async listEnrollmentTokens(): Promise<EnrollmentTokenInfo[]> {
    await this.#index.refresh();
    const out: EnrollmentTokenInfo[] = [];
    for await (const hit of this.#index.all<EnrollmentTokenDoc>(
      [{ term: { 'kiln.token.type': 'enrollment' } }],
      [{ 'kiln.token.created_at': 'desc' }],
      'listing enrollment tokens',
    ))
      out.push(enrollmentInfo(hit.doc));
    return out;
  }

  /** Instance tokens, newest first, optionally of one instance or one enrollment token. */
  async listInstanceTokens(
    filter: { instanceId?: string; enrollmentId?: string } = {},
  ): Promise<InstanceTokenInfo[]> {
    await this.#index.refresh();
    const terms: object[] = [{ term: { 'kiln.token.type': 'instance' } }];
    if (filter.instanceId) terms.push({ term: { 'kiln.token.instance_id': filter.instanceId } });
    if (filter.enrollmentId) terms.push({ term: { 'kiln.token.enrollment_id': filter.enrollmentId } });
    const out: InstanceTokenInfo[] = [];
    for await (const hit of this.#index.all<InstanceTokenDoc>(
      terms,
      [{ 'kiln.token.created_at': 'desc' }],
      'listing instance tokens',
    ))
      out.push(instanceInfo(hit.doc));
    return out;
  }

  async #markRevoked(id: string, reason: string): Promise<void> {
    const at = new Date(this.#now()).toISOString();
    await this.#index.patch(
      id,
      { kiln: { token: { revoked: true, revoked_at: at, revoked_reason: reason } } },
      'revoking a token',
    );
  }
}
