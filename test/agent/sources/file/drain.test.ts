/**
 * The drain on SIGTERM reads every file at once: with a short deadline each file ships a share,
 * instead of the first file whole and the others nothing (issue 11, item 7).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EncodedEvent, EventSink } from '../../../../agent/pipeline/source.ts';
import { FairGate } from '../../../../agent/shipper/fair-gate.ts';
import { createFileSource, type FileSource } from '../../../../agent/sources/file/index.ts';
import { silentLogger } from '../../../../lib/log.ts';
import { identity, numbered, tempDirs, testConfig, until } from './support.ts';

/**
 * A sink that behaves like the shipper's queue (agent/shipper/shipper.ts): at most `capacity`
 * events outstanding, pushers served strictly in turn, and a collector that acknowledges
 * everything outstanding every 5 ms.
 */
class BoundedSink implements EventSink {
  readonly messages: string[] = [];
  #outstanding: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #gate: FairGate;
  constructor(capacity: number) {
    this.#gate = new FairGate(() => this.#outstanding.length >= capacity);
  }
  async push(event: EncodedEvent, onDurable: () => void): Promise<void> {
    await this.#gate.enter();
    this.messages.push(JSON.parse(event.json).message);
    this.#outstanding.push(onDurable);
    this.#gate.next();
  }
  startAcking(): void {
    this.#timer = setInterval(() => {
      for (const ack of this.#outstanding.splice(0)) ack();
      this.#gate.next();
    }, 5);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

const started: FileSource[] = [];
afterEach(async () => {
  for (const source of started.splice(0)) await source.stop();
});

describe('file source drain', () => {
  it('reads every file concurrently: the first events after the signal come from all of them', async () => {
    const dirs = tempDirs('drain-fair');
    mkdirSync(dirs.logs);
    const names = ['a', 'b', 'c'];
    for (const name of names) writeFileSync(join(dirs.logs, `${name}.log`), numbered(name, 0, 20_000));
    const sink = new BoundedSink(200); // the collector does not answer yet: the queue fills
    const source = createFileSource(
      testConfig(dirs.state, [{ include: [join(dirs.logs, '*.log')] }]),
      identity,
      silentLogger,
    );
    started.push(source);
    await source.start(sink);
    await new Promise((r) => setTimeout(r, 200));
    const drained = source.drain();
    sink.startAcking();
    await drained;
    expect(sink.messages).toHaveLength(60_000);
    const firstShare = sink.messages.slice(0, 36_000);
    const perFile = names.map((name) => firstShare.filter((m) => m.startsWith(`${name} `)).length);
    // Read one after the other this would be 20 000, 16 000 and 0.
    for (const count of perFile) expect(count).toBeGreaterThanOrEqual(6000);
    expect(new Set(sink.messages).size).toBe(60_000);
    await until('checkpoints at every end', () => source.completeness().every((f) => f.complete));
    sink.stop();
  });
});
