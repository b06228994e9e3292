/**
 * Low-level access to `<prefix>-tokens`, shared by the token kinds (enrollment tokens, instance
 * tokens, holder records). Secrets are never stored: token documents are keyed by the SHA-256 of
 * the token, holder records by instance id and carry only the hash of the holder's secret.
 * Every multi-document read pages with `search_after`, so nothing stops at 10 000.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { KilnError } from '../../lib/errors.ts';
import { esStatusOf, wrapEsError } from '../../lib/es.ts';

/** The SHA-256 (hex) of a token or secret: its stored form. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A new random token with a readable type prefix (`kiln_enr_…`, `kiln_ins_…`, `kiln_sec_…`). */
export function newToken(kind: 'enr' | 'ins' | 'sec'): string {
  return `kiln_${kind}_${randomBytes(32).toString('base64url')}`;
}

/** True when `secret` hashes to `storedHash`, compared in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A document read with its concurrency tokens. */
export interface Versioned<T> {
  doc: T;
  seqNo: number;
  primaryTerm: number;
}

/** The tokens index of one installation. */
export class TokenIndex {
  readonly client: Client;
  readonly index: string;

  constructor(client: Client, index: string) {
    this.client = client;
    this.index = index;
  }

  /** Creates `id`; false when it already exists (another writer got there first). */
  async create(id: string, doc: object, what: string): Promise<boolean> {
    try {
      await this.client.index({
        index: this.index,
        id,
        document: doc,
        op_type: 'create',
        refresh: 'wait_for',
      });
      return true;
    } catch (error) {
      if (esStatusOf(error) === 409) return false;
      throw wrapEsError(error, what);
    }
  }

  /** Overwrites `id` only if it is still the version read; false when someone wrote in between. */
  async replace(
    id: string,
    doc: object,
    read: { seqNo: number; primaryTerm: number },
    what: string,
  ): Promise<boolean> {
    try {
      await this.client.index({
        index: this.index,
        id,
        document: doc,
        if_seq_no: read.seqNo,
        if_primary_term: read.primaryTerm,
        refresh: 'wait_for',
      });
      return true;
    } catch (error) {
      if (esStatusOf(error) === 409) return false;
      throw wrapEsError(error, what);
    }
  }

  /** Reads `id` with its version, or undefined. */
  async read<T>(id: string, what: string): Promise<Versioned<T> | undefined> {
    try {
      const got = await this.client.get<T>({ index: this.index, id }, { ignore: [404] });
      if (!got.found || !got._source || got._seq_no === undefined || got._primary_term === undefined)
        return undefined;
      return { doc: got._source, seqNo: got._seq_no, primaryTerm: got._primary_term };
    } catch (error) {
      throw wrapEsError(error, what);
    }
  }

  /** Applies a partial update; false when `id` does not exist. */
  async patch(id: string, partial: object, what: string): Promise<boolean> {
    try {
      await this.client.update({ index: this.index, id, doc: partial, refresh: 'wait_for' });
      return true;
    } catch (error) {
      if (esStatusOf(error) === 404) return false;
      throw wrapEsError(error, what);
    }
  }

  /** Every document matching `filter`, in `sort` order, read page by page. */
  async *all<T>(
    filter: object[],
    sort: object[],
    what: string,
    pageSize = 1000,
  ): AsyncGenerator<{ id: string; doc: T }> {
    let after: unknown[] | undefined;
    for (;;) {
      let hits: Array<{ _id?: string; _source?: T; sort?: unknown[] }>;
      try {
        const result = await this.client.search<T>({
          index: this.index,
          size: pageSize,
          query: { bool: { filter } } as never,
          sort: [...sort, { 'kiln.token.hash': 'asc' }] as never,
          ignore_unavailable: true,
          allow_no_indices: true,
          ...(after ? { search_after: after as never } : {}),
        });
        hits = result.hits.hits;
      } catch (error) {
        throw wrapEsError(error, what);
      }
      for (const hit of hits) if (hit._source && hit._id) yield { id: hit._id, doc: hit._source };
      if (hits.length < pageSize) return;
      after = hits.at(-1)!.sort;
    }
  }

  /** Makes recent writes visible to search (the CLI lists right after writing). */
  async refresh(): Promise<void> {
    await this.client.indices.refresh({ index: this.index, ignore_unavailable: true }).catch(() => {});
  }
}

/** An authentication failure (answered 401). */
export function authError(message: string): KilnError {
  return new KilnError('KILN_ERR_AUTH', message);
}
