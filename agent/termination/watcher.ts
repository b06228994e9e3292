/**
 * Watches the instance metadata (IMDSv2) for the instance's end: every `pollIntervalMs` it
 * reads `autoscaling/target-lifecycle-state` and `spot/instance-action`. On the first notice it
 * ships a termination-notice event and asks the runtime to drain and report (once). Off EC2
 * (no metadata service answers the first poll) it stops polling.
 */
import { describeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import type { WireEvent } from '../../lib/wire.ts';
import { ImdsClient } from '../facts/imds.ts';
import type { EventSink, Source } from '../pipeline/source.ts';
import { readTerminationNotice, type TerminationNotice } from './notice.ts';

/** Watcher settings. */
export interface TerminationWatcherOptions {
  imdsUrl: string;
  imdsTimeoutMs: number;
  pollIntervalMs: number;
  /** The notice event to ship. */
  noticeEvent: (notice: TerminationNotice) => WireEvent;
  /** Called once, after the notice event was queued. */
  onNotice: (notice: TerminationNotice) => void;
  log: Logger;
}

/** The termination watcher (a source: the runtime starts and stops it with the others). */
export class TerminationWatcher implements Source {
  readonly name = 'termination';
  readonly #o: TerminationWatcherOptions;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #noticed = false;
  #stopped = false;
  #answered = false;

  constructor(options: TerminationWatcherOptions) {
    this.#o = options;
  }

  /** Polls now, then every interval. */
  async start(sink: EventSink): Promise<void> {
    const tick = () => {
      this.#polling ??= this.#poll(sink).finally(() => (this.#polling = undefined));
    };
    tick();
    this.#timer = setInterval(tick, this.#o.pollIntervalMs);
    this.#timer.unref();
  }

  /** Stops polling. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#polling;
  }

  async #poll(sink: EventSink): Promise<void> {
    if (this.#noticed || this.#stopped) return;
    // A fresh session per poll: an IMDSv2 token outlives one poll, not the agent.
    const imds = new ImdsClient({ baseUrl: this.#o.imdsUrl, timeoutMs: this.#o.imdsTimeoutMs });
    if (!(await imds.token())) {
      // Never answered: not on EC2. Answered before: a passing failure, polled again next time.
      if (!this.#answered) {
        this.#o.log.debug('no instance metadata service: not watching for termination notices');
        clearInterval(this.#timer);
      }
      return;
    }
    this.#answered = true;
    const [state, spot] = await Promise.all([
      imds.get('meta-data/autoscaling/target-lifecycle-state'),
      imds.get('meta-data/spot/instance-action'),
    ]);
    const notice = readTerminationNotice(state, spot);
    if (!notice || this.#noticed || this.#stopped) return;
    this.#noticed = true;
    clearInterval(this.#timer);
    this.#o.log.warn(notice.message, { 'kiln.lifecycle.termination': notice.kind });
    try {
      await sink.push(this.#o.noticeEvent(notice), () => {});
    } catch (error) {
      this.#o.log.warn('termination notice not queued', { 'error.message': describeError(error) });
    }
    this.#o.onNotice(notice);
  }
}
