/**
 * One instance id, one holder (the rule of Vault's AWS auth client nonce and SPIRE's one agent per
 * node). The first enrollment of an id creates its holder record with `op_type: create`, so of two
 * simultaneous claimants exactly one wins; later enrollments of that id must present the secret
 * whose hash the record keeps. An operator reset clears the secret, and the next enrollment is a
 * first one again.
 */
import { KilnError } from '../../lib/errors.ts';
import { outcome, retry } from '../../lib/retry.ts';
import { type HolderDoc, holderId } from './documents.ts';
import type { InstanceIdentity } from './identity.ts';
import { hashToken, secretMatches, type TokenIndex, type Versioned } from './token-index.ts';

/** What a claim on an instance id came to. */
export type ClaimOutcome =
  | { kind: 'first' }
  | { kind: 'renewed'; enrolledAt: string; agentId: string }
  | { kind: 'conflict'; reason: string };

/** The holder records of one tokens index. */
export class Holders {
  readonly #index: TokenIndex;
  readonly #now: () => number;

  constructor(index: TokenIndex, now: () => number) {
    this.#index = index;
    this.#now = now;
  }

  /** The holder record of an instance id, if any. */
  read(instanceId: string): Promise<Versioned<HolderDoc> | undefined> {
    return this.#index.read<HolderDoc>(holderId(instanceId), `reading the holder of ${instanceId}`);
  }

  /** Whether `secret` may enroll as `instanceId` now (before anything is written). */
  check(current: Versioned<HolderDoc> | undefined, secret: string): ClaimOutcome {
    const t = current?.doc.kiln.token;
    if (!t || t.reset_at !== undefined || !t.secret_hash) return { kind: 'first' };
    if (t.revoked) {
      return {
        kind: 'conflict',
        reason: `instance ${t.instance_id} enrolled with a token that was revoked; an operator must reset it (kiln token revoke --instance ${t.instance_id})`,
      };
    }
    if (!secretMatches(secret, t.secret_hash)) {
      return {
        kind: 'conflict',
        reason: `instance ${t.instance_id} is already enrolled by another holder; if this agent lost its state directory, an operator can reset it with kiln token revoke --instance ${t.instance_id}`,
      };
    }
    return { kind: 'renewed', enrolledAt: t.enrolled_at, agentId: current!.doc.kiln.identity.agentId };
  }

  /**
   * Writes the claim: creates the record (first enrollment) or moves it to the new token
   * (renewal), in both cases only if nobody wrote in between. False on a lost race.
   */
  async write(
    current: Versioned<HolderDoc> | undefined,
    identity: InstanceIdentity,
    secret: string,
    tokenHash: string,
    enrollmentId: string | undefined,
  ): Promise<boolean> {
    const now = new Date(this.#now()).toISOString();
    const id = holderId(identity.instanceId);
    const doc: HolderDoc = {
      '@timestamp': now,
      kiln: {
        token: {
          hash: hashToken(id),
          type: 'holder',
          instance_id: identity.instanceId,
          method: identity.method,
          secret_hash: hashToken(secret),
          current_token: tokenHash,
          created_at: current?.doc.kiln.token.created_at ?? now,
          enrolled_at: identity.enrolledAt,
          last_enrolled_at: now,
          revoked: false,
          ...(enrollmentId ? { enrollment_id: enrollmentId } : {}),
        },
        identity,
      },
      cloud: { instance: { id: identity.instanceId } },
    };
    const what = `recording the holder of ${identity.instanceId}`;
    return current ? this.#index.replace(id, doc, current, what) : this.#index.create(id, doc, what);
  }

  /** Clears the secret of an instance id (operator reset); false when it never enrolled. */
  async reset(instanceId: string, reason: string): Promise<boolean> {
    const result = await retry(
      async () => {
        const current = await this.read(instanceId);
        if (!current) return outcome.ok(false);
        const { secret_hash: _gone, current_token: _old, ...token } = current.doc.kiln.token;
        const doc: HolderDoc = {
          ...current.doc,
          kiln: {
            ...current.doc.kiln,
            token: {
              ...token,
              revoked: false,
              reset_at: new Date(this.#now()).toISOString(),
              revoked_reason: reason,
            },
          },
        };
        const written = await this.#index.replace(
          holderId(instanceId),
          doc,
          current,
          `resetting ${instanceId}`,
        );
        return written ? outcome.ok(true) : outcome.retryable('the holder changed while it was reset');
      },
      { maxAttempts: 10, backoff: { baseMs: 10, maxMs: 200 } },
    );
    if (result.kind === 'ok') return result.value;
    throw new KilnError('KILN_ERR_ES_REQUEST', `the holder of ${instanceId} kept changing; try again`);
  }
}
