/**
 * The file source on real files in a temp dir: discovery, checkpoints, rotation by rename,
 * copytruncate and delete + create, huge lines and invalid UTF-8. The sink stands in for the
 * shipper (the real collector path is exercised by the lead's end-to-end tests).
 */
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileSource, type FileSource } from '../../../../agent/sources/file/index.ts';
import { silentLogger } from '../../../../lib/log.ts';
import { deriveEventId } from '../../../../lib/wire.ts';
import { identity, numbered, RecordingSink, tempDirs, testConfig, until } from './support.ts';

const started: FileSource[] = [];
afterEach(async () => {
  for (const source of started.splice(0)) await source.stop();
});

async function startSource(stateDir: string, files: unknown[], sink: RecordingSink, inputs = {}) {
  const source = createFileSource(testConfig(stateDir, files, inputs), identity, silentLogger);
  started.push(source);
  await source.start(sink);
  return source;
}

function expectExactlyOnce(messages: string[], expected: string[]): void {
  expect([...messages].sort()).toEqual([...expected].sort());
}

function linesOf(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('file source', () => {
  it('reads a file from its beginning with ECS fields, deterministic ids and a saved checkpoint', async () => {
    const dirs = tempDirs('fs-basic');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, 'first\nsecond\n');
    const sink = new RecordingSink();
    const source = await startSource(dirs.state, [{ include: [join(dirs.logs, '*.log')] }], sink);
    await until('2 events', () => sink.events.length === 2);
    const [first, second] = sink.events;
    const fingerprint = (first!.kiln.log as { fingerprint: string }).fingerprint;
    expect(first).toMatchObject({
      message: 'first',
      log: { file: { path: file }, offset: 0 },
      host: { name: 'test-host', boot: { id: 'boot-1' } },
      agent: { id: 'i-test' },
      event: { id: deriveEventId('i-test', fingerprint, 0) },
      kiln: { kind: 'log', log: { fingerprint } },
    });
    expect(first!.event.ingested).toBeUndefined();
    expect(second!.log).toEqual({ file: { path: file }, offset: 6 });
    await source.stop();
    const saved = JSON.parse(readFileSync(join(dirs.state, 'file-checkpoints.json'), 'utf8'));
    expect(saved.files).toHaveLength(1);
    expect(saved.files[0]).toMatchObject({ path: file, offset: 13, fingerprint, ino: statSync(file).ino });
    expect(statSync(join(dirs.state, 'file-checkpoints.json')).mode & 0o777).toBe(0o600);
  });

  it('picks up new files while running and honours exclude globs', async () => {
    const dirs = tempDirs('fs-new');
    mkdirSync(dirs.logs);
    const sink = new RecordingSink();
    await startSource(dirs.state, [{ include: [join(dirs.logs, '*')], exclude: ['**/*.gz'] }], sink);
    writeFileSync(join(dirs.logs, 'late.log'), 'late one\n');
    writeFileSync(join(dirs.logs, 'old.log.gz'), 'compressed\n');
    await until('late file', () => sink.events.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.messages()).toEqual(['late one']);
  });

  it('groups multiline records and flushes the last one after the timeout', async () => {
    const dirs = tempDirs('fs-ml');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'trace.log');
    writeFileSync(file, '2026 a failed\n  at x\n  at y\n2026 b failed\n  at z\n');
    const sink = new RecordingSink();
    await startSource(
      dirs.state,
      [{ include: [file], multiline: { startPattern: '^\\d{4} ', timeoutMs: 100 } }],
      sink,
    );
    await until('2 records', () => sink.events.length === 2);
    expect(sink.messages()).toEqual(['2026 a failed\n  at x\n  at y', '2026 b failed\n  at z']);
    expect(sink.events[0]!.kiln.log).toMatchObject({ multiline: true, lines: 3 });
    expect(sink.events[1]!.log).toMatchObject({ offset: 28 });
  });

  it('truncates a 5 MiB line, replaces invalid UTF-8, and keeps reading after both', async () => {
    const dirs = tempDirs('fs-odd');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'odd.log');
    const euros = Math.ceil((5 * 1024 * 1024) / 3); // a line of just over 5 MiB
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('before\n'),
        Buffer.from(`${'€'.repeat(euros)}\n`),
        Buffer.from('bad \xff\xfe bytes\n', 'latin1'),
        Buffer.from('after\n'),
      ]),
    );
    const sink = new RecordingSink();
    await startSource(dirs.state, [{ include: [file], maxLineBytes: 1000 }], sink);
    await until('4 events', () => sink.events.length === 4);
    const [, big, bad, after] = sink.events;
    // 1000 bytes cut back to a character boundary: 333 three-byte euro signs.
    expect(big!.message).toBe('€'.repeat(333));
    expect(big!.kiln.log).toMatchObject({ truncated: true, original_bytes: euros * 3 });
    expect((big!.kiln.log as Record<string, unknown>).invalid_utf8).toBeUndefined();
    expect(bad!.message).toBe('bad \uFFFD\uFFFD bytes');
    expect(bad!.kiln.log).toMatchObject({ invalid_utf8: true });
    expect(after!.message).toBe('after');
    expect(after!.log).toMatchObject({ offset: 7 + euros * 3 + 1 + 13 });
  });

  it('reads a renamed file to its end, including lines written to it after the rename', async () => {
    const dirs = tempDirs('fs-rename');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    const fd = openSync(file, 'a');
    writeSync(fd, numbered('old', 0, 100));
    const sink = new RecordingSink();
    await startSource(dirs.state, [{ include: [file] }], sink);
    await until('first 100', () => sink.events.length === 100);
    renameSync(file, `${file}.1`);
    writeSync(fd, numbered('old', 100, 50)); // the writer has not reopened yet
    closeSync(fd);
    writeFileSync(file, numbered('new', 0, 70));
    await until('all 220', () => sink.events.length >= 220);
    await new Promise((r) => setTimeout(r, 200));
    expectExactlyOnce(sink.messages(), linesOf(numbered('old', 0, 150) + numbered('new', 0, 70)));
  });

  it('loses nothing on copytruncate while the sink is blocked (collector down)', async () => {
    const dirs = tempDirs('fs-copytrunc');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('a', 0, 100));
    const sink = new RecordingSink();
    await startSource(dirs.state, [{ include: [file] }], sink);
    await until('first 100', () => sink.events.length === 100);
    const fingerprint = (sink.events[0]!.kiln.log as { fingerprint: string }).fingerprint;
    sink.block();
    appendFileSync(file, numbered('a', 100, 50));
    await new Promise((r) => setTimeout(r, 150)); // the tailer reads and waits in push
    appendFileSync(file, numbered('a', 150, 2000)); // more than one read chunk behind
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, numbered('b', 0, 30));
    sink.unblock();
    await until('all 2180', () => sink.events.length >= 2180);
    await new Promise((r) => setTimeout(r, 200));
    expectExactlyOnce(sink.messages(), linesOf(numbered('a', 0, 2150) + numbered('b', 0, 30)));
    const fromCopy = sink.events.filter((e) => e.message === 'a line 2149 xxxxxxxxxxxxxxxxxxxx');
    expect((fromCopy[0]!.kiln.log as { fingerprint: string }).fingerprint).toBe(fingerprint);
    const fresh = sink.events.find((e) => e.message === 'b line 0 xxxxxxxxxxxxxxxxxxxx')!;
    expect((fresh.kiln.log as { fingerprint: string }).fingerprint).not.toBe(fingerprint);
    expect(fresh.log).toMatchObject({ offset: 0 });
  });

  it('reads a copytruncate copy matched by the globs once, through the original', async () => {
    const dirs = tempDirs('fs-copyglob');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('a', 0, 100));
    const sink = new RecordingSink();
    await startSource(dirs.state, [{ include: [`${file}*`] }], sink);
    await until('first 100', () => sink.events.length === 100);
    for (let round = 1; round <= 3; round++) {
      appendFileSync(file, numbered(`r${round}`, 0, 200));
      copyFileSync(file, `${file}.${round}`);
      truncateSync(file, 0);
      appendFileSync(file, numbered(`n${round}`, 0, 10));
      await new Promise((r) => setTimeout(r, 120));
    }
    const expected = linesOf(
      numbered('a', 0, 100) +
        [1, 2, 3].map((r) => numbered(`r${r}`, 0, 200) + numbered(`n${r}`, 0, 10)).join(''),
    );
    await until('all lines', () => sink.events.length >= expected.length);
    await new Promise((r) => setTimeout(r, 300));
    expectExactlyOnce(sink.messages(), expected);
  });

  for (const rotation of ['rename', 'copytruncate'] as const) {
    it(`reads an idle file rotated by ${rotation} to a name the globs match once`, async () => {
      const dirs = tempDirs(`fs-idle-${rotation}`);
      mkdirSync(dirs.logs);
      const file = join(dirs.logs, 'app.log');
      writeFileSync(file, numbered('old', 0, 10));
      const sink = new RecordingSink();
      const source = await startSource(dirs.state, [{ include: [`${file}*`] }], sink);
      await until('first 10', () => sink.events.length === 10);
      // Idle for longer than closeRotatedAfterMs (100): it may be let go as soon as it moves.
      await new Promise((r) => setTimeout(r, 300));
      if (rotation === 'rename') renameSync(file, `${file}.1`);
      else {
        copyFileSync(file, `${file}.1`);
        truncateSync(file, 0);
      }
      writeFileSync(file, numbered('new', 0, 5));
      await until('15 events', () => sink.events.length >= 15);
      await new Promise((r) => setTimeout(r, 500));
      expectExactlyOnce(sink.messages(), linesOf(numbered('old', 0, 10) + numbered('new', 0, 5)));
      const old = source.checkpoints().find((c) => c.path === `${file}.1`);
      const fingerprint = (sink.events[0]!.kiln.log as { fingerprint: string }).fingerprint;
      expect(old).toMatchObject({ offset: 320, fingerprint });
    });
  }

  it('reads a copytruncate copy outside the globs to its end when it holds more than one read', async () => {
    const dirs = tempDirs('fs-big-copy');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('old', 0, 10));
    const sink = new RecordingSink();
    await startSource(dirs.state, [{ include: [file] }], sink);
    await until('first 10', () => sink.events.length === 10);
    await new Promise((r) => setTimeout(r, 300)); // idle for longer than closeRotatedAfterMs
    appendFileSync(file, numbered('more', 0, 40_000)); // 1.5 MiB: more than one step reads
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    writeFileSync(file, numbered('new', 0, 5));
    await until('40 015 events', () => sink.events.length >= 40_015);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.events).toHaveLength(40_015);
  });

  it('finishes a copytruncate copy made while the agent was down', async () => {
    const dirs = tempDirs('fs-offline-copy');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('c', 0, 50));
    const first = new RecordingSink();
    const source = await startSource(dirs.state, [{ include: [file] }], first);
    await until('50 events', () => first.events.length === 50);
    await source.stop();
    appendFileSync(file, numbered('c', 50, 7));
    copyFileSync(file, `${file}-20261122`);
    truncateSync(file, 0);
    appendFileSync(file, numbered('d', 0, 4));
    const second = new RecordingSink();
    await startSource(dirs.state, [{ include: [file] }], second);
    await until('11 events', () => second.events.length >= 11);
    await new Promise((r) => setTimeout(r, 200));
    expectExactlyOnce(second.messages(), linesOf(numbered('c', 50, 7) + numbered('d', 0, 4)));
  });

  it('treats a new file after delete + create as new, even at a reused inode', async () => {
    const dirs = tempDirs('fs-inode');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('first', 0, 40));
    const sink = new RecordingSink();
    const source = await startSource(dirs.state, [{ include: [file] }], sink);
    await until('first 40', () => sink.events.length === 40);
    rmSync(file);
    await until('deleted file let go', () => source.checkpoints().length === 0);
    writeFileSync(file, numbered('first', 0, 40)); // same bytes, same name, maybe the same inode
    await until('80 events', () => sink.events.length === 80);
    const fingerprints = new Set(sink.events.map((e) => (e.kiln.log as { fingerprint: string }).fingerprint));
    expect(fingerprints.size).toBe(2);
    expect(new Set(sink.events.map((e) => e.event.id)).size).toBe(80);
  });

  it('resumes from the acknowledged prefix after a restart, re-sending unacknowledged lines with the same ids', async () => {
    const dirs = tempDirs('fs-restart');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('r', 0, 10));
    const first = new RecordingSink(false);
    const source = await startSource(dirs.state, [{ include: [file] }], first);
    await until('10 events', () => first.events.length === 10);
    // Acknowledge events 0-3 and 6: only 0-3 are a contiguous prefix.
    for (const i of [0, 1, 2, 3, 6]) first.acks[i]!();
    await source.stop();
    const saved = JSON.parse(readFileSync(join(dirs.state, 'file-checkpoints.json'), 'utf8'));
    expect(saved.files[0].offset).toBe((first.events[4]!.log as { offset: number }).offset);
    const second = new RecordingSink();
    await startSource(dirs.state, [{ include: [file] }], second);
    await until('6 events', () => second.events.length === 6);
    expect(second.messages()).toEqual(first.messages().slice(4));
    expect(second.events.map((e) => e.event.id)).toEqual(first.events.slice(4).map((e) => e.event.id));
  });

  it('finishes a file renamed out of the globs while the agent was down', async () => {
    const dirs = tempDirs('fs-offline-rename');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, numbered('o', 0, 20));
    const first = new RecordingSink();
    const source = await startSource(dirs.state, [{ include: [file] }], first);
    await until('20 events', () => first.events.length === 20);
    await source.stop();
    appendFileSync(file, numbered('o', 20, 5));
    renameSync(file, `${file}.1`);
    writeFileSync(file, numbered('n', 0, 3));
    const second = new RecordingSink();
    await startSource(dirs.state, [{ include: [file] }], second);
    await until('8 events', () => second.events.length >= 8);
    await new Promise((r) => setTimeout(r, 200));
    expectExactlyOnce(second.messages(), linesOf(numbered('o', 20, 5) + numbered('n', 0, 3)));
  });

  it('reports completeness: bytes acknowledged versus file size', async () => {
    const dirs = tempDirs('fs-complete');
    mkdirSync(dirs.logs);
    const file = join(dirs.logs, 'app.log');
    writeFileSync(file, 'one\ntwo\nthree\n');
    const sink = new RecordingSink(false);
    const source = await startSource(dirs.state, [{ include: [file] }], sink);
    await until('3 events', () => sink.events.length === 3);
    sink.acks[0]!();
    await source.drain();
    expect(source.completeness()).toEqual([{ file, bytesShipped: 4, fileSize: 14, complete: false }]);
    sink.acks[1]!();
    sink.acks[2]!();
    expect(source.completeness()).toEqual([{ file, bytesShipped: 14, fileSize: 14, complete: true }]);
  });
});
