/**
 * A short-lived cache of verified instance tokens, so a batch does not cost an extra
 * Elasticsearch GET. A revocation takes effect on every collector within `ttlMs`.
 */
import type { InstanceIdentity } from '../tokens/identity.ts';

/** Caches identities by token hash for a bounded time and size. */
export class TokenCache {
  readonly #entries = new Map<string, { identity: InstanceIdentity; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(ttlMs: number, maxEntries = 100_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** The cached identity, or undefined when absent or expired. */
  get(hash: string): InstanceIdentity | undefined {
    const entry = this.#entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(hash);
      return undefined;
    }
    return entry.identity;
  }

  /** Remembers an identity; the oldest entry goes when full. */
  set(hash: string, identity: InstanceIdentity): void {
    if (this.#ttlMs <= 0) return;
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(hash, { identity, expiresAt: this.#now() + this.#ttlMs });
  }
}
