/**
 * Enrollment and instance tokens, stored hashed in `<prefix>-tokens` (the `_id` is the SHA-256
 * of the token, so a lookup is one GET and the index never holds a usable secret). Tokens are
 * 256 random bits, so a fast hash is enough; a slow password hash would add nothing.
 */
import { hash, randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { KilnError } from '../../lib/errors.ts';
import { wrapEsError } from '../../lib/es.ts';
import type { IndexNames } from '../../lib/indices.ts';

/** What a verified instance token stands for: the identity the collector stamps on events. */
export interface InstanceIdentity {
  instanceId: string;
  imageId?: string;
  bakeId?: string;
  hostname?: string;
}

/** An enrollment token as listed (never the secret itself). */
export interface EnrollmentTokenInfo {
  id: string;
  description?: string;
  createdAt: string;
  expiresAt?: string;
  revoked: boolean;
}

/** The SHA-256 (hex) of a token: its stored id. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A new random token with a readable type prefix (`kiln_enr_…`, `kiln_ins_…`). */
export function newToken(kind: 'enr' | 'ins'): string {
  return `kiln_${kind}_${randomBytes(32).toString('base64url')}`;
}

interface TokenDoc {
  '@timestamp': string;
  kiln: {
    token: {
      hash: string;
      type: 'enrollment' | 'instance';
      created_at: string;
      expires_at?: string;
      revoked: boolean;
      revoked_at?: string;
      instance_id?: string;
      enrollment_id?: string;
      description?: string;
    };
    bake?: { id?: string };
  };
  cloud?: { instance?: { id?: string }; image?: { id?: string } };
  host?: { name?: string };
}

/** Reads and writes tokens. */
export class TokenStore {
  readonly #client: Client;
  readonly #index: string;
  readonly #now: () => number;

  constructor(client: Client, names: IndexNames, now: () => number = Date.now) {
    this.#client = client;
    this.#index = names.state('tokens');
    this.#now = now;
  }

  /** Creates an enrollment token; the secret is returned once and stored only hashed. */
  async createEnrollmentToken(
    options: { ttlMs?: number; description?: string } = {},
  ): Promise<{ token: string; info: EnrollmentTokenInfo }> {
    const token = newToken('enr');
    const hash = hashToken(token);
    const now = this.#now();
    const doc: TokenDoc = {
      '@timestamp': new Date(now).toISOString(),
      kiln: {
        token: {
          hash,
          type: 'enrollment',
          created_at: new Date(now).toISOString(),
          revoked: false,
          ...(options.ttlMs ? { expires_at: new Date(now + options.ttlMs).toISOString() } : {}),
          ...(options.description ? { description: options.description } : {}),
        },
      },
    };
    await this.#write(hash, doc);
    return { token, info: toInfo(doc) };
  }

  /** Verifies an enrollment token (exists, not revoked, not expired) and returns its id. */
  async verifyEnrollmentToken(token: string): Promise<string> {
    const doc = await this.#read(hashToken(token));
    const t = doc?.kiln.token;
    if (t?.type !== 'enrollment') throw authError('unknown enrollment token');
    if (t.revoked) throw authError('the enrollment token was revoked');
    if (t.expires_at && Date.parse(t.expires_at) <= this.#now())
      throw authError(`the enrollment token expired at ${t.expires_at}`);
    return t.hash;
  }

  /** Issues an instance token bound to the identity the instance enrolled with. */
  async issueInstanceToken(identity: InstanceIdentity, enrollmentId: string): Promise<string> {
    const token = newToken('ins');
    const hash = hashToken(token);
    const now = new Date(this.#now()).toISOString();
    await this.#write(hash, {
      '@timestamp': now,
      kiln: {
        token: {
          hash,
          type: 'instance',
          created_at: now,
          revoked: false,
          instance_id: identity.instanceId,
          enrollment_id: enrollmentId,
        },
        ...(identity.bakeId ? { bake: { id: identity.bakeId } } : {}),
      },
      cloud: {
        instance: { id: identity.instanceId },
        ...(identity.imageId ? { image: { id: identity.imageId } } : {}),
      },
      ...(identity.hostname ? { host: { name: identity.hostname } } : {}),
    });
    return token;
  }

  /** The identity an instance token stands for, or a KILN_ERR_AUTH error. */
  async verifyInstanceToken(token: string): Promise<InstanceIdentity> {
    const doc = await this.#read(hashToken(token));
    const t = doc?.kiln.token;
    if (!doc || !t || t.type !== 'instance' || !t.instance_id) throw authError('unknown instance token');
    if (t.revoked) throw authError('the instance token was revoked');
    const identity: InstanceIdentity = { instanceId: t.instance_id };
    if (doc.cloud?.image?.id) identity.imageId = doc.cloud.image.id;
    if (doc.kiln.bake?.id) identity.bakeId = doc.kiln.bake.id;
    if (doc.host?.name) identity.hostname = doc.host.name;
    return identity;
  }

  /** Revokes a token by its id (hash) or by the token itself; false when it does not exist. */
  async revoke(idOrToken: string): Promise<boolean> {
    const id = /^[0-9a-f]{64}$/.test(idOrToken) ? idOrToken : hashToken(idOrToken);
    try {
      await this.#client.update({
        index: this.#index,
        id,
        doc: { kiln: { token: { revoked: true, revoked_at: new Date(this.#now()).toISOString() } } },
        refresh: 'wait_for',
      });
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw wrapEsError(error, 'revoking a token');
    }
  }

  /** Lists enrollment tokens, newest first. */
  async listEnrollmentTokens(): Promise<EnrollmentTokenInfo[]> {
    try {
      const result = await this.#client.search<TokenDoc>({
        index: this.#index,
        size: 1000,
        query: { term: { 'kiln.token.type': 'enrollment' } },
        sort: [{ 'kiln.token.created_at': 'desc' }],
      });
      return result.hits.hits.map((hit) => toInfo(hit._source!));
    } catch (error) {
      throw wrapEsError(error, 'listing tokens');
    }
  }

  async #write(id: string, doc: TokenDoc): Promise<void> {
    try {
      await this.#client.index({
        index: this.#index,
        id,
        document: doc,
        op_type: 'create',
        refresh: 'wait_for',
      });
    } catch (error) {
      throw wrapEsError(error, 'storing a token');
    }
  }

  async #read(id: string): Promise<TokenDoc | undefined> {
    try {
      const result = await this.#client.get<TokenDoc>({ index: this.#index, id }, { ignore: [404] });
      return result.found ? result._source : undefined;
    } catch (error) {
      throw wrapEsError(error, 'reading a token');
    }
  }
}

function toInfo(doc: TokenDoc): EnrollmentTokenInfo {
  const t = doc.kiln.token;
  return {
    id: t.hash,
    createdAt: t.created_at,
    revoked: t.revoked,
    ...(t.description ? { description: t.description } : {}),
    ...(t.expires_at ? { expiresAt: t.expires_at } : {}),
  };
}

function authError(message: string): KilnError {
  return new KilnError('KILN_ERR_AUTH', message);
}
