/**
 * Admission to a bounded queue, strictly in arrival order. A caller that finds the queue full
 * (or others already waiting) waits its turn; room wakes the longest waiter, and until that one
 * has run nobody else gets in — otherwise the producer that happens to run first (one file of
 * several drained at once) takes every free slot and the others starve.
 */
export class FairGate {
  readonly #full: () => boolean;
  #waiters: Array<() => void> = [];
  /** Woken waiters that have not run yet: their slot is reserved. */
  #handoffs = 0;
  #open = false;

  /** `full` says whether the bounded resource has no room now. */
  constructor(full: () => boolean) {
    this.#full = full;
  }

  /** Whether a caller may enter right now without waiting (then it takes its room at once). */
  mayEnterNow(): boolean {
    return this.#open || (!this.#full() && this.#waiters.length === 0 && this.#handoffs === 0);
  }

  /** Resolves when it is this caller's turn and there is room (or the gate was opened for good). */
  async enter(): Promise<void> {
    if (this.mayEnterNow()) return;
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#handoffs--;
    while (this.#full() && !this.#open) {
      // Room was taken back (a batch split, an overtaking event): first in line again.
      await new Promise<void>((resolve) => this.#waiters.unshift(resolve));
      this.#handoffs--;
    }
  }

  /** Call after taking room or giving it back: lets the next waiter in when there is room. */
  next(): void {
    if (this.#handoffs > 0 || this.#waiters.length === 0) return;
    if (!this.#full() || this.#open) {
      this.#handoffs++;
      this.#waiters.shift()!();
    }
  }

  /** Lets everyone through from now on (shutdown). */
  openForGood(): void {
    this.#open = true;
    for (const wake of this.#waiters.splice(0)) {
      this.#handoffs++;
      wake();
    }
  }
}
