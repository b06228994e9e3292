/**
 * In-order acknowledgement tracking for one file: events are emitted in file order and may be
 * acknowledged in any order (batches in flight at once, retries of failed events), but the
 * checkpoint only moves to the end of the contiguous acknowledged prefix. So a restart never
 * skips an event the collector has not confirmed.
 */

/** One emitted event's place in the order. */
export interface OffsetTicket {
  readonly end: number;
  acked: boolean;
}

/** Tracks emitted and acknowledged ranges of one file. */
export class OffsetTracker {
  #committed: number;
  #queue: OffsetTicket[] = [];
  #head = 0;

  constructor(committed: number) {
    this.#committed = committed;
  }

  /** The offset up to which every event is durable: where a restart resumes. */
  get committed(): number {
    return this.#committed;
  }

  /** Events emitted but not yet covered by the checkpoint. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Registers the next emitted event, which ends at `end`. */
  track(end: number): OffsetTicket {
    const ticket = { end, acked: false };
    this.#queue.push(ticket);
    return ticket;
  }

  /** Marks an event durable; returns true when the checkpoint moved. */
  ack(ticket: OffsetTicket): boolean {
    ticket.acked = true;
    const before = this.#committed;
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.acked) {
      this.#committed = this.#queue[this.#head]!.end;
      this.#head++;
    }
    // Compact now and then so the queue does not grow with the file.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return this.#committed !== before;
  }
}
