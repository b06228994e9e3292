/**
 * The collector's fairness counters (pure, clock injected): a token bucket per key for bytes or
 * attempts, a byte budget shared by every batch, and an in-flight count per instance. Maps of
 * keys are bounded (least recently used key goes), so a flood of new keys costs bounded memory.
 */

/** A token bucket: `capacity` at most, refilled at `perSecond`. */
interface Bucket {
  tokens: number;
  updatedAtMs: number;
}

/** Token buckets by key (instance id, source address). */
export class KeyedBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;
  readonly #perSecond: number;
  readonly #maxKeys: number;

  constructor(capacity: number, perSecond: number, maxKeys = 100_000) {
    this.#capacity = capacity;
    this.#perSecond = perSecond;
    this.#maxKeys = maxKeys;
  }

  /** Milliseconds until `key` has a positive balance again; 0 when it has one now. */
  waitMs(key: string, nowMs: number): number {
    const bucket = this.#refill(key, nowMs);
    return bucket.tokens > 0 ? 0 : Math.ceil(((1 - bucket.tokens) / this.#perSecond) * 1000);
  }

  /** Takes `amount` (the balance may go negative: the debt is paid by waiting). */
  take(key: string, amount: number, nowMs: number): void {
    this.#refill(key, nowMs).tokens -= amount;
  }

  #refill(key: string, nowMs: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
      const elapsed = Math.max(0, nowMs - bucket.updatedAtMs);
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + (elapsed / 1000) * this.#perSecond);
      bucket.updatedAtMs = nowMs;
    } else {
      bucket = { tokens: this.#capacity, updatedAtMs: nowMs };
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }
}

/** A shared budget of bytes: reservations fail instead of going over. */
export class ByteBudget {
  readonly #max: number;
  #used = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  /** Bytes reserved now. */
  get used(): number {
    return this.#used;
  }

  /** Reserves `bytes`; false (nothing reserved) when that would pass the budget. */
  reserve(bytes: number): boolean {
    if (this.#used + bytes > this.#max) return false;
    this.#used += bytes;
    return true;
  }

  /** Gives back what was reserved. */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/** Requests in flight per key, with a cap. */
export class InFlight {
  readonly #counts = new Map<string, number>();
  readonly #max: number;

  constructor(maxPerKey: number) {
    this.#max = maxPerKey;
  }

  /** Counts one more for `key`; false when it already has the most allowed. */
  acquire(key: string): boolean {
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.#max) return false;
    this.#counts.set(key, count + 1);
    return true;
  }

  /** Counts one less. */
  release(key: string): void {
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }
}
