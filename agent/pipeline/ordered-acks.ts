/**
 * In-order acknowledgement of a source's positions: events are emitted in source order and may
 * be acknowledged in any order (two batches in flight, failed ids sent again), but the
 * checkpoint only moves to the end of the contiguous acknowledged prefix, so a restart never
 * skips an event the collector has not confirmed. `P` is the source's position (a journal
 * cursor); the file source keeps its own byte-offset twin of this (offset-tracker.ts).
 */

/** One emitted event's place in the order. */
export interface AckTicket<P> {
  readonly position: P;
  acked: boolean;
}

/** Tracks emitted and acknowledged positions of one stream. */
export class OrderedAcks<P> {
  #committed: P | undefined;
  #queue: AckTicket<P>[] = [];
  #head = 0;

  constructor(committed: P | undefined) {
    this.#committed = committed;
  }

  /** The position up to which every event is durable (undefined: nothing yet). */
  get committed(): P | undefined {
    return this.#committed;
  }

  /** Events emitted but not yet covered by the checkpoint. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Registers the next emitted event at `position`. */
  track(position: P): AckTicket<P> {
    const ticket = { position, acked: false };
    this.#queue.push(ticket);
    return ticket;
  }

  /** Marks an event durable; returns true when the checkpoint moved. */
  ack(ticket: AckTicket<P>): boolean {
    if (ticket.acked) return false;
    ticket.acked = true;
    let moved = false;
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.acked) {
      this.#committed = this.#queue[this.#head]!.position;
      this.#head++;
      moved = true;
    }
    // Compact now and then so the queue does not grow with the stream.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return moved;
  }
}
