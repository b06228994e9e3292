/**
 * One journald input: runs journalctl from the input's cursor (`--follow`, or once per poll),
 * turns each entry into an event, pushes it, and moves the input's checkpoint only over entries
 * the collector confirmed durable (in order, see ordered-acks.ts). Read entries wait in a byte
 * budget, so memory stays bounded however long the collector is away: the journal is the buffer.
 */
import { describeError } from '../../../lib/errors.ts';
import type { Logger } from '../../../lib/log.ts';
import { sleep } from '../../../lib/retry.ts';
import { type AckTicket, OrderedAcks } from '../../pipeline/ordered-acks.ts';
import type { AgentIdentity, EventSink } from '../../pipeline/source.ts';
import { ByteBudget } from './byte-budget.ts';
import type { JournaldInputConfig } from './config.ts';
import { buildJournalEvent } from './event-builder.ts';
import type { JournalEntry } from './export-parser.ts';
import { readJournal } from './journal-reader.ts';
import { journalctlArgs, type ReadFrom } from './journalctl-args.ts';

/** One input's completeness at shutdown: were all entries read up to the end, and durable? */
export interface JournalCompleteness {
  journal: string;
  entriesRead: number;
  entriesShipped: number;
  /** The saved cursor (everything up to it is durable). */
  cursor: string | undefined;
  complete: boolean;
}

/** What one input needs from the source. */
export interface JournalInputContext {
  config: JournaldInputConfig;
  identity: AgentIdentity;
  applicationUnits: readonly string[];
  /** The saved cursor, if any. */
  cursor: string | undefined;
  sink: EventSink;
  log: Logger;
  now: () => number;
  onCheckpoint: () => void;
}

/** One configured journal. */
export class JournalInput {
  readonly id: string;
  readonly #c: JournalInputContext;
  #acks: OrderedAcks<string>;
  readonly #budget: ByteBudget;
  #lastRead: string | undefined;
  #entriesRead = 0;
  #entriesShipped = 0;
  #atEnd = false;
  #failures = 0;

  constructor(context: JournalInputContext) {
    this.#c = context;
    this.id = context.config.id;
    this.#acks = new OrderedAcks(context.cursor);
    this.#lastRead = context.cursor;
    this.#budget = new ByteBudget(context.config.maxBufferedBytes);
  }

  /** The cursor up to which every entry is durable. */
  get committed(): string | undefined {
    return this.#acks.committed;
  }

  /** Bytes read and not yet durable (bounded by `maxBufferedBytes`). */
  get bufferedBytes(): number {
    return this.#budget.used;
  }

  /**
   * Reads until `signal` aborts. Each pass first reads to the journal's end without `--follow`,
   * then follows after the last cursor read: journalctl's follow mode does not read across a
   * boot boundary from the head (252 was seen stopping at one), while a plain run does, and a
   * live machine only ever appends to its current boot. journalctl is started again after it
   * exits or fails.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { config } = this.#c;
    if (this.#lastRead === undefined && config.start === 'tail') await this.#skipToTail(signal);
    while (!signal.aborted) {
      const follow = config.follow && this.#atEnd && this.#lastRead !== undefined;
      const ok = await this.#readOnce(follow, signal);
      if (signal.aborted) return;
      // Caught up: follow from here at once.
      if (ok && !follow && config.follow && this.#lastRead !== undefined) continue;
      // Failures back off up to a minute; a clean end (poll mode) waits one interval.
      const waitMs = Math.min(60_000, config.pollIntervalMs * 2 ** Math.min(this.#failures, 6));
      await sleep(waitMs, signal);
    }
  }

  /** Reads what the journal holds now, to its end (shutdown). */
  async drain(): Promise<void> {
    await this.#readOnce(false, new AbortController().signal);
  }

  /** Releases a read waiting for budget (shutdown: the shipper has stopped). */
  close(): void {
    this.#budget.close();
  }

  /** Entries read versus durable, and whether the last run reached the journal's end. */
  completeness(): JournalCompleteness {
    return {
      journal: this.id,
      entriesRead: this.#entriesRead,
      entriesShipped: this.#entriesShipped,
      cursor: this.#acks.committed,
      complete: this.#atEnd && this.#acks.pending === 0,
    };
  }

  /** One journalctl run; true when it ended cleanly. */
  async #readOnce(follow: boolean, signal: AbortSignal): Promise<boolean> {
    const { config, log } = this.#c;
    const from: ReadFrom = this.#lastRead ? { cursor: this.#lastRead } : 'head';
    const args = journalctlArgs(config, from, { follow, applicationUnits: this.#c.applicationUnits });
    if (!follow) this.#atEnd = false;
    const outcome = await readJournal(config.journalctl, args, config, (e) => this.#onEntry(e), signal);
    if (signal.aborted) return false;
    if (outcome.exitCode === 0) {
      this.#failures = 0;
      if (!follow) this.#atEnd = true;
      else log.warn('journalctl --follow exited; starting it again', { 'kiln.log.journal': this.id });
      return true;
    }
    this.#failures++;
    const reason = outcome.spawnError ?? (outcome.stderr || `exit code ${outcome.exitCode}`);
    // Said once, then only at debug: a machine without a journal keeps saying the same thing.
    (this.#failures === 1 ? log.warn : log.debug).call(log, 'journalctl failed; trying again later', {
      'kiln.log.journal': this.id,
      'error.message': reason,
      'process.args': args,
    });
    return false;
  }

  async #onEntry(entry: JournalEntry): Promise<void> {
    const { identity, sink, now } = this.#c;
    const event = buildJournalEvent(entry, { identity, journal: this.id, readAtMs: now() });
    if (!event) return;
    const cursor = (event.journald as { cursor: string }).cursor;
    await this.#budget.reserve(entry.bytes);
    this.#lastRead = cursor;
    this.#entriesRead++;
    const ticket: AckTicket<string> = this.#acks.track(cursor);
    let settled = false;
    const onDurable = () => {
      if (settled) return;
      settled = true;
      this.#budget.release(entry.bytes);
      this.#entriesShipped++;
      if (this.#acks.ack(ticket)) this.#c.onCheckpoint();
    };
    try {
      await sink.push(event, onDurable);
    } catch (error) {
      this.#c.log.warn('journal entry not queued', { 'error.message': describeError(error) });
    }
  }

  /** `start: tail` with no cursor: the newest entry's cursor becomes the starting point. */
  async #skipToTail(signal: AbortSignal): Promise<void> {
    const { config } = this.#c;
    const args = [
      ...journalctlArgs(config, 'head', { follow: false, applicationUnits: this.#c.applicationUnits }),
      '--lines=1',
    ];
    let last: string | undefined;
    await readJournal(
      config.journalctl,
      args,
      config,
      async (entry) => {
        const cursor = entry.fields.get('__CURSOR');
        if (typeof cursor === 'string') last = cursor;
      },
      signal,
    );
    if (last) {
      this.#lastRead = last;
      this.#acks = new OrderedAcks(last);
      this.#c.onCheckpoint();
    }
  }
}
