/**
 * Bounded memory in bytes: a source reserves an entry's bytes before it pushes the entry and
 * gives them back when the collector confirmed it durable. While `maxBytes` are out, `reserve`
 * waits, and so does the journalctl stream behind it. One entry larger than the whole budget
 * still passes when nothing else is out, so it cannot stall the stream.
 */
export class ByteBudget {
  readonly #maxBytes: number;
  #used = 0;
  #waiters: Array<() => void> = [];
  #closed = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes reserved and not yet released. */
  get used(): number {
    return this.#used;
  }

  /** Waits until `bytes` fit (or the budget is closed), then takes them. */
  async reserve(bytes: number): Promise<void> {
    while (!this.#closed && this.#used > 0 && this.#used + bytes > this.#maxBytes) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    this.#used += bytes;
  }

  /** Gives bytes back and wakes the waiters. */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Releases every waiter for good (shutdown). */
  close(): void {
    this.#closed = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
