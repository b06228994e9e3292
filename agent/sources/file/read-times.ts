/**
 * The read time of lines that carry no timestamp of their own, made deterministic across
 * restarts (pure; the caller passes the clock and saves). Such a line's `@timestamp` is when the
 * agent read it, and the collector files it in that UTC day's index. A line read, not yet
 * acknowledged, and read again after a restart on the next day would get the next day's index
 * and — its id being the same — be stored once in each: doubled.
 *
 * So the checkpoint keeps two things: `marks`, the offset where each UTC day of reading began
 * (saved before the first line of a new day is emitted), and `leaseEnd`, an offset the agent
 * promises not to have emitted past (saved before it emits past it; trimmed to what was emitted
 * on a clean stop). After a restart, a line below the inherited lease may have been emitted
 * before: it keeps the day of its mark. Everything past the lease is read fresh, at today's
 * time. The lease is extended `leaseBytes` at a time, so it costs one save per 8 MiB read.
 */
/** The UTC day number of a time (days since the epoch): what the collector's daily index follows. */
const utcDayNumber = (ms: number) => Math.floor(ms / 86_400_000);

/** One day of reading: lines from `offset` on were first read on the UTC day of `atMs`. */
export interface ReadMark {
  offset: number;
  atMs: number;
}

/** What the checkpoint keeps. */
export interface ReadTimesState {
  marks: ReadMark[];
  leaseEnd: number;
}

/** How far past the last emitted line one lease reaches. */
export const leaseBytes = 8 * 1024 * 1024;

/** The read-time bookkeeping of one file generation. */
export class ReadTimes {
  readonly #marks: ReadMark[];
  /** Lines below this offset may have been emitted by an earlier run. */
  readonly #inheritedEnd: number;
  #leaseEnd: number;

  constructor(saved: ReadTimesState | undefined) {
    this.#marks = saved ? saved.marks.map((m) => ({ ...m })) : [];
    this.#inheritedEnd = saved?.leaseEnd ?? 0;
    this.#leaseEnd = this.#inheritedEnd;
  }

  /**
   * The read time of the line at `offset`, and whether the state must be saved before the line
   * is emitted (a new day's mark, or a longer lease).
   */
  timeFor(offset: number, nowMs: number): { atMs: number; save: boolean } {
    if (offset < this.#inheritedEnd) {
      const mark = this.#markAt(offset);
      // Re-read after a restart: keep the day it was first read on.
      if (mark && utcDayNumber(mark.atMs) !== utcDayNumber(nowMs)) return { atMs: mark.atMs, save: false };
      return { atMs: nowMs, save: false };
    }
    let save = false;
    const last = this.#marks.at(-1);
    if (!last || utcDayNumber(last.atMs) !== utcDayNumber(nowMs)) {
      this.#marks.push({ offset, atMs: nowMs });
      save = true;
    }
    if (offset >= this.#leaseEnd) {
      this.#leaseEnd = offset + leaseBytes;
      save = true;
    }
    return { atMs: nowMs, save };
  }

  /** The state to save. `emittedEnd` trims the lease on a clean stop; `committed` drops old marks. */
  state(committed: number, emittedEnd?: number): ReadTimesState {
    let first = 0;
    while (first + 1 < this.#marks.length && this.#marks[first + 1]!.offset <= committed) first++;
    if (first > 0) this.#marks.splice(0, first);
    // A trimmed lease holds in memory too, so anything emitted later extends it (and saves) first.
    if (emittedEnd !== undefined) this.#leaseEnd = Math.max(emittedEnd, this.#inheritedEnd);
    return { marks: this.#marks.map((m) => ({ ...m })), leaseEnd: this.#leaseEnd };
  }

  #markAt(offset: number): ReadMark | undefined {
    let found: ReadMark | undefined;
    for (const mark of this.#marks) {
      if (mark.offset > offset) break;
      found = mark;
    }
    return found;
  }
}
