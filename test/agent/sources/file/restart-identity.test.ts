/**
 * What a restart must not change: the day (so the index) of lines without their own timestamp,
 * across UTC midnight (read-times.ts), and which file is which when an inode is reused or a
 * copytruncate happens while the agent is down or dies (file-identity.ts). Real files, an
 * injected clock; a crash is the checkpoint file as it was on disk before a clean stop rewrote it.
 */
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileSource, type FileSource } from '../../../../agent/sources/file/index.ts';
import { indexNames } from '../../../../lib/indices.ts';
import { silentLogger } from '../../../../lib/log.ts';
import type { WireEvent } from '../../../../lib/wire.ts';
import { identity, numbered, RecordingSink, tempDirs, testConfig, until } from './support.ts';

const started: FileSource[] = [];
afterEach(async () => {
  for (const source of started.splice(0)) await source.stop();
});

async function startSource(
  stateDir: string,
  file: string,
  sink: RecordingSink,
  now: () => number = Date.now,
) {
  const source = createFileSource(testConfig(stateDir, [{ include: [file] }]), identity, silentLogger, {
    now,
  });
  started.push(source);
  await source.start(sink);
  return source;
}

const names = indexNames('kiln');
const indexOf = (e: WireEvent) => names.daily('logs', Date.parse(e['@timestamp']));
const checkpointFile = (state: string) => join(state, 'file-checkpoints.json');
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const fingerprintOf = (e: WireEvent) => (e.kiln.log as { fingerprint: string }).fingerprint;

describe('read time across UTC midnight', () => {
  const beforeMidnight = Date.UTC(2026, 11, 1, 23, 59, 59);
  const afterMidnight = Date.UTC(2026, 11, 2, 0, 0, 5);

  for (const ending of ['a clean stop', 'a crash'] as const) {
    it(`re-reads unacknowledged lines into the index they were first sent to, after ${ending}`, async () => {
      const dirs = tempDirs('midnight');
      mkdirSync(dirs.logs);
      const file = join(dirs.logs, 'app.log');
      writeFileSync(file, numbered('m', 0, 100));
      let clock = beforeMidnight;
      const first = new RecordingSink(false); // the collector never answers
      const source = await startSource(dirs.state, file, first, () => clock);
      await until('100 events', () => first.events.length === 100);
      const onDisk = readFileSync(checkpointFile(dirs.state));
      await source.stop();
      if (ending === 'a crash') writeFileSync(checkpointFile(dirs.state), onDisk);
      clock = afterMidnight;
      appendFileSync(file, numbered('n', 0, 50));
      const second = new RecordingSink();
      await startSource(dirs.state, file, second, () => clock);
      await until('150 events', () => second.events.length === 150);
      const again = second.events.slice(0, 100);
      expect(again.map((e) => e.event.id)).toEqual(first.events.map((e) => e.event.id));
      expect(new Set(first.events.map(indexOf))).toEqual(new Set(['kiln-logs-2026.12.01']));
      // Same id, same index: the collector's create answers 409, nothing is stored twice.
      expect(new Set(again.map(indexOf))).toEqual(new Set(['kiln-logs-2026.12.01']));
      // Lines never sent before are read today; after a crash the agent cannot know which lines
      // it had sent past its last save, so those within its lease keep the old day too.
      const fresh = new Set(second.events.slice(100).map(indexOf));
      expect(fresh).toEqual(
        new Set([ending === 'a clean stop' ? 'kiln-logs-2026.12.02' : 'kiln-logs-2026.12.01']),
      );
      expect(second.messages().slice(100)).toEqual(lines(numbered('n', 0, 50)));
    });
  }

  it('starts a new day for lines first read after midnight while running', async () => {
    const dirs = tempDirs('midnight-live');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('a', 0, 10));
    let clock = beforeMidnight;
    const sink = new RecordingSink();
    await startSource(dirs.state, file, sink, () => clock);
    await until('10 events', () => sink.events.length === 10);
    clock = afterMidnight;
    appendFileSync(file, numbered('b', 0, 10));
    await until('20 events', () => sink.events.length === 20);
    expect(sink.events.map(indexOf)).toEqual([
      ...Array(10).fill('kiln-logs-2026.12.01'),
      ...Array(10).fill('kiln-logs-2026.12.02'),
    ]);
  });
});

/**
 * Makes the saved checkpoints say what they would say if `path` had been handed the inode of the
 * file they describe: ext4 deliberately does not reuse a recently freed inode at once (its
 * "recently deleted" check), so a test cannot count on the kernel to do it; the state the agent
 * finds on restart is built instead, on the real files, exactly as inode reuse leaves it.
 */
function pretendReusedInode(stateDir: string, path: string): void {
  const file = join(stateDir, 'file-checkpoints.json');
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { files: Array<{ ino: number; dev: number }> };
  const stat = statSync(path);
  for (const checkpoint of saved.files) {
    checkpoint.ino = stat.ino;
    checkpoint.dev = stat.dev;
  }
  writeFileSync(file, JSON.stringify(saved));
}

describe('file identity across a restart', () => {
  it('reads a new file at a reused inode with the same first bytes as new, from its first line', async () => {
    const dirs = tempDirs('reuse-down');
    mkdirSync(dirs.logs);
    const banner = `=== app starting ${'='.repeat(2000)}\n`; // longer than the head kiln hashes
    const old = join(dirs.logs, 'old.log');
    writeFileSync(old, banner + numbered('old', 0, 2000));
    const first = new RecordingSink();
    const source = await startSource(dirs.state, join(dirs.logs, '*.log'), first);
    await until('2001 events', () => first.events.length === 2001);
    await source.stop();
    rmSync(old);
    const fresh = join(dirs.logs, 'new.log');
    writeFileSync(fresh, banner + numbered('new', 0, 3000));
    pretendReusedInode(dirs.state, fresh);
    const second = new RecordingSink();
    await startSource(dirs.state, join(dirs.logs, '*.log'), second);
    await until('3001 events', () => second.events.length >= 3001);
    await new Promise((r) => setTimeout(r, 200));
    expect(second.messages()).toEqual(lines(banner + numbered('new', 0, 3000)));
    expect(new Set(second.events.map(fingerprintOf)).size).toBe(1);
    expect(fingerprintOf(second.events[0]!)).not.toBe(fingerprintOf(first.events[0]!));
    expect(second.events.every((e) => (e.log as { file: { path: string } }).file.path === fresh)).toBe(true);
  });

  it('after a SIGKILL during copytruncate, reads the copy on from its checkpoint and the new content once', async () => {
    const dirs = tempDirs('kill-copytruncate');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('c', 0, 500));
    const first = new RecordingSink(false);
    const source = await startSource(dirs.state, file, first);
    await until('500 events', () => first.events.length === 500);
    for (const ack of first.acks.slice(0, 200)) ack(); // the collector confirmed 200
    await until(
      'checkpoint at line 200',
      () => source.checkpoints()[0]?.offset === (first.events[200]!.log as { offset: number }).offset,
    );
    await new Promise((r) => setTimeout(r, 150)); // a periodic save writes it
    appendFileSync(file, numbered('c', 500, 100));
    copyFileSync(file, `${file}.1`); // logrotate copies …
    const onDisk = readFileSync(checkpointFile(dirs.state)); // … and the agent is SIGKILLed here …
    await source.stop();
    writeFileSync(checkpointFile(dirs.state), onDisk);
    truncateSync(file, 0); // … before logrotate truncates; the application writes on
    appendFileSync(file, numbered('d', 0, 40));
    const second = new RecordingSink();
    await startSource(dirs.state, file, second);
    await until('440 events', () => second.events.length >= 440);
    await new Promise((r) => setTimeout(r, 300));
    const expected = lines(numbered('c', 200, 400) + numbered('d', 0, 40));
    expect([...second.messages()].sort()).toEqual([...expected].sort());
    // Lines sent before the crash come back with the ids they had: the collector keeps one copy.
    const idOf = new Map(first.events.map((e) => [e.message as string, e.event.id]));
    for (const e of second.events.filter((x) => idOf.has(x.message as string))) {
      expect(e.event.id).toBe(idOf.get(e.message as string));
    }
  });
});
