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

/**
 * Requests in flight per key, with a cap. A request whose connection was destroyed (Node's request
 * timeout answers 408 and destroys the socket) holds nothing, even before its handler has run its
 * `finally`: the timeout runs in the timers phase and the socket's close callbacks only in the
 * loop's close phase, so the client's next request can be read in between.
 */
export class InFlight<Holder> {
  readonly #holders = new Map<string, Set<Holder>>();
  readonly #max: number;
  readonly #isGone: (holder: Holder) => boolean;

  constructor(maxPerKey: number, isGone: (holder: Holder) => boolean) {
    this.#max = maxPerKey;
    this.#isGone = isGone;
  }

  /** Counts `holder` for `key`; false when `key` already has the most allowed live holders. */
  acquire(key: string, holder: Holder): boolean {
    const holders = this.#holders.get(key) ?? new Set<Holder>();
    if (holders.size >= this.#max) for (const h of holders) if (this.#isGone(h)) holders.delete(h);
    if (holders.size >= this.#max) return false;
    holders.add(holder);
    this.#holders.set(key, holders);
    return true;
  }

  /** Counts `holder` no more (again is harmless). */
  release(key: string, holder: Holder): void {
    const holders = this.#holders.get(key);
    if (!holders) return;
    holders.delete(holder);
    if (holders.size === 0) this.#holders.delete(key);
  }
}
