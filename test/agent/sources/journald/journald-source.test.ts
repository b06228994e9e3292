/**
 * The journald source against real journal files (made by systemd-journal-remote) read by the
 * real journalctl: order across boots, cursor checkpoints that move only over acknowledged
 * entries, restarts that resume without loss or doubles, filters, and bounded buffering.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJournaldSource } from '../../../../agent/sources/journald/index.ts';
import { createLogger } from '../../../../lib/log.ts';
import { entry, journalId, writeJournal } from '../../../support/journal.ts';
import { identity, RecordingSink, tempDirs, testConfig, until } from '../file/support.ts';

const log = createLogger('test', { level: 'error' });
const t0 = 1_790_000_000_000_000;

function journalConfig(state: string, dir: string, extra: Record<string, unknown> = {}) {
  return testConfig(state, [], { journald: [{ directory: dir, all: true, pollIntervalMs: 50, ...extra }] });
}

async function makeJournal(label: string) {
  const dirs = tempDirs(label);
  const dir = join(dirs.base, 'journal');
  mkdirSync(dir);
  return { ...dirs, dir };
}

describe('journald source', () => {
  it('ships every entry across boots in order, each with its own boot id, and resumes after its cursor', async () => {
    const { state, dir } = await makeJournal('jd-order');
    const boot = (label: string, from: number, n: number) =>
      Array.from({ length: n }, (_, i) => entry(label, t0 + (from + i) * 1000, `${label} ${from + i}`));
    await writeJournal(dir, [...boot('boot-a', 0, 50), ...boot('boot-b', 50, 50)]);
    const sink = new RecordingSink(false);
    const source = createJournaldSource(journalConfig(state, dir), identity, log);
    await source.start(sink);
    await until('100 entries read', () => sink.events.length === 100);
    expect(sink.messages()).toEqual(
      [...boot('boot-a', 0, 50), ...boot('boot-b', 50, 50)].map((e) => e.MESSAGE),
    );
    const bootIds = new Set(sink.events.map((e) => (e.host as { boot: { id: string } }).boot.id));
    expect(bootIds.size).toBe(2);
    expect(source.cursors().system).toBeUndefined();
    // Acknowledge the first 30 and the 40th: the cursor stops at the 30th (in order).
    for (const ack of sink.acks.slice(0, 30)) ack();
    sink.acks[39]!();
    const cursorAt30 = (sink.events[29]!.journald as { cursor: string }).cursor;
    expect(source.cursors().system).toBe(cursorAt30);
    await source.stop();

    const again = new RecordingSink(true);
    const second = createJournaldSource(journalConfig(state, dir), identity, log);
    await second.start(again);
    await until('the 70 unacknowledged entries', () => again.events.length === 70);
    expect(again.events[0]!.message).toBe('boot-a 30');
    // The same entries keep their ids: a re-sent one is a duplicate at the collector, not a second document.
    expect(again.events.map((e) => e.event.id)).toEqual(sink.events.slice(30).map((e) => e.event.id));
    await writeJournal(dir, boot('boot-b', 100, 5));
    await until('the appended entries (follow)', () => again.events.length === 75);
    await second.drain();
    expect(second.completeness()).toEqual([
      { journal: 'system', entriesRead: 75, entriesShipped: 75, cursor: expect.any(String), complete: true },
    ]);
    await second.stop();
  });

  it('reads only the configured unit', async () => {
    const { state, dir } = await makeJournal('jd-unit');
    await writeJournal(dir, [
      entry('b', t0, 'app line'),
      entry('b', t0 + 1, 'worker line', { _SYSTEMD_UNIT: 'worker.service' }),
      entry('b', t0 + 2, 'systemd about worker', {
        _SYSTEMD_UNIT: 'init.scope',
        UNIT: 'worker.service',
        SYSLOG_IDENTIFIER: 'systemd',
      }),
      entry('b', t0 + 3, 'debug worker line', { _SYSTEMD_UNIT: 'worker.service', PRIORITY: 7 }),
    ]);
    const sink = new RecordingSink(true);
    const config = journalConfig(state, dir, {
      all: false,
      defaults: false,
      units: ['worker.service'],
      follow: false,
    });
    const source = createJournaldSource(config, identity, log);
    await source.start(sink);
    await source.drain();
    expect(sink.messages()).toEqual(['worker line', 'systemd about worker']);
    await source.stop();
  });

  it('keeps at most maxBufferedBytes of unacknowledged entries in memory', async () => {
    const { state, dir } = await makeJournal('jd-budget');
    await writeJournal(
      dir,
      Array.from({ length: 2000 }, (_, i) => entry('b', t0 + i, `line ${i} ${'y'.repeat(200)}`)),
    );
    const sink = new RecordingSink(false);
    const source = createJournaldSource(
      journalConfig(state, dir, { maxBufferedBytes: 64 * 1024 }),
      identity,
      log,
    );
    await source.start(sink);
    await until('the budget to fill', () => sink.events.length > 50);
    await new Promise((r) => setTimeout(r, 300));
    const held = sink.events.length;
    // ~500 bytes an entry in export form: 64 KiB hold about 130 of them, never the 2000.
    expect(held).toBeGreaterThan(50);
    expect(held).toBeLessThan(200);
    for (const ack of sink.acks.splice(0)) ack();
    await until('more after acknowledgements', () => sink.events.length > held);
    sink.autoAck = true;
    for (const ack of sink.acks.splice(0)) ack();
    await until('all 2000', () => sink.events.length === 2000);
    await source.stop();
  });

  it('starts at the end with start: tail, and refuses an input that reads nothing', async () => {
    const { state, dir } = await makeJournal('jd-tail');
    await writeJournal(dir, [entry('b', t0, 'old'), entry('b', t0 + 1, 'older')]);
    const sink = new RecordingSink(true);
    const source = createJournaldSource(journalConfig(state, dir, { start: 'tail' }), identity, log);
    await source.start(sink);
    await until('cursor at the tail', () => source.cursors().system !== undefined);
    await writeJournal(dir, [entry('b', t0 + 2, 'new')]);
    await until('the new entry', () => sink.events.length === 1);
    expect(sink.messages()).toEqual(['new']);
    await source.stop();
    expect(() =>
      createJournaldSource(testConfig(state, [], { journald: [{ defaults: false }] }), identity, log),
    ).toThrow(/reads nothing/);
    expect(journalId('x')).toHaveLength(32);
  });
});
