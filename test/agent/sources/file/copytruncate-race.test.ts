/**
 * copytruncate landing between two steps of the file source that belong together: its look
 * at a file (FileSource #observe hashes the first bytes) and its read a few awaits later; its
 * look at the original of a new copy and its comparison of the two files' ends; its scan's
 * stat of a file and the opening that hashes its head. A truncation in between must neither
 * have the new bytes read as the old generation's (a CI run under load lost every n2 line and
 * read every n3 line twice) nor a copy read as a new file. The test's own file operations run
 * at those exact points: every fs call is the real one, the wrapper below only lets the test
 * act when the source stats or opens a file.
 */
import { appendFileSync, copyFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFileSource, type FileSource } from '../../../../agent/sources/file/index.ts';
import { silentLogger } from '../../../../lib/log.ts';
import { identity, numbered, RecordingSink, tempDirs, testConfig, until } from './support.ts';

/** Called before each `stat(path)` and `open(path)` the source makes (the real call follows). */
const beforeFs: { current: ((call: 'stat' | 'open', path: string) => void) | undefined } = vi.hoisted(() => ({
  current: undefined,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const stat = ((path: Parameters<typeof real.stat>[0], ...rest: unknown[]) => {
    beforeFs.current?.('stat', String(path));
    return (real.stat as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.stat;
  const open = ((path: Parameters<typeof real.open>[0], ...rest: unknown[]) => {
    beforeFs.current?.('open', String(path));
    return (real.open as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.open;
  return { ...real, stat, open };
});

const started: FileSource[] = [];
afterEach(async () => {
  beforeFs.current = undefined;
  for (const source of started.splice(0)) await source.stop();
});

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** app.log with 100 lines "a", tailed as `app.log*` and read to its end. */
async function tailingApp(label: string, inputs = {}) {
  const dirs = tempDirs(label);
  mkdirSync(dirs.logs);
  const file = join(dirs.logs, 'app.log');
  writeFileSync(file, numbered('a', 0, 100));
  const sink = new RecordingSink();
  const config = testConfig(dirs.state, [{ include: [`${file}*`] }], inputs);
  const source = createFileSource(config, identity, silentLogger);
  started.push(source);
  await source.start(sink);
  await until('first 100', () => source.checkpoints()[0]?.offset === 3090 && sink.events.length === 100);
  return { file, sink, source };
}

describe('file source under copytruncate races', () => {
  it('reads the copy of a generation truncated between the head check and the read once, and the new content once', async () => {
    const { file, sink, source } = await tailingApp('fs-race');
    const first = source.checkpoints()[0]!.fingerprint;
    const rotate = (round: number) => {
      appendFileSync(file, numbered(`r${round}`, 0, 200));
      copyFileSync(file, `${file}.${round}`);
      truncateSync(file, 0);
      appendFileSync(file, numbered(`n${round}`, 0, 10)); // 310 bytes each round
    };
    // Rounds 1 and 2 before the source looks again: it follows the first generation into
    // app.log.1 and then tails app.log anew, its head hashed over the n2 lines.
    rotate(1);
    rotate(2);
    let roundThree = false;
    beforeFs.current = (call, path) => {
      const unread = source
        .checkpoints()
        .some((c) => c.path === file && c.fingerprint !== first && c.offset === 0);
      if (roundThree || call !== 'stat' || path !== file || !unread) return;
      // The source has checked that head and is about to read app.log: round 3 lands now.
      roundThree = true;
      rotate(3);
    };
    const expected = lines(
      numbered('a', 0, 100) +
        [1, 2, 3].map((r) => numbered(`r${r}`, 0, 200) + numbered(`n${r}`, 0, 10)).join(''),
    );
    await until('all lines', () => sink.events.length >= expected.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(roundThree).toBe(true);
    expect([...sink.messages()].sort()).toEqual([...expected].sort());
    expect(sink.events).toHaveLength(730);
  });

  // Every tick scans, so each tick stats app.log several times: in the glob, in the scan, when
  // the copy is checked against it, and before it is read. The truncation lands at each in turn.
  for (const nth of [1, 2, 3, 4, 5, 6]) {
    it(`reads a copy through its original when the original is truncated at the source's stat ${nth} after the copy`, async () => {
      const { file, sink } = await tailingApp(`fs-race-${nth}`, { scanIntervalMs: 1 });
      appendFileSync(file, numbered('r', 0, 200));
      copyFileSync(file, `${file}.1`);
      let seen = 0;
      let truncated = false;
      beforeFs.current = (call, path) => {
        if (call !== 'stat' || path !== file || truncated || ++seen < nth) return;
        truncated = true;
        truncateSync(file, 0);
        appendFileSync(file, numbered('n', 0, 10));
      };
      const expected = lines(numbered('a', 0, 100) + numbered('r', 0, 200) + numbered('n', 0, 10));
      await until('all lines', () => sink.events.length >= expected.length);
      await new Promise((r) => setTimeout(r, 300));
      expect(truncated).toBe(true);
      expect([...sink.messages()].sort()).toEqual([...expected].sort());
      expect(sink.events).toHaveLength(310);
    });
  }

  it('does not tail a file emptied between the scan and its opening (no head would name it)', async () => {
    const { file, sink, source } = await tailingApp('fs-race-empty');
    const first = source.checkpoints()[0]!.fingerprint;
    const rotate = (round: number, refill = true) => {
      appendFileSync(file, numbered(`r${round}`, 0, 200));
      copyFileSync(file, `${file}.${round}`);
      truncateSync(file, 0);
      if (refill) appendFileSync(file, numbered(`n${round}`, 0, 10));
    };
    rotate(1);
    await until('app.log.1 read', () => sink.events.length === 300);
    // The source follows the first generation into app.log.1 and scans: between its stat of
    // app.log (n1, 310 bytes) and its opening, round 2 empties app.log.
    let emptied = false;
    beforeFs.current = (call, path) => {
      if (emptied || call !== 'open' || path !== file) return;
      emptied = true;
      rotate(2, false);
    };
    await until('round 2', () => emptied);
    beforeFs.current = undefined;
    appendFileSync(file, numbered('n2', 0, 10));
    await until('n2 read', () => sink.messages().includes(numbered('n2', 9, 1).trim()));
    rotate(3); // n3 is as long as n2: only the head tells them apart
    const expected = lines(
      numbered('a', 0, 100) +
        [1, 2, 3].map((r) => numbered(`r${r}`, 0, 200) + numbered(`n${r}`, 0, 10)).join(''),
    );
    await until('all lines', () => sink.events.length >= expected.length);
    await new Promise((r) => setTimeout(r, 300));
    expect([...sink.messages()].sort()).toEqual([...expected].sort());
    expect(sink.events).toHaveLength(730);
    expect(source.checkpoints().some((c) => c.fingerprint === first)).toBe(true);
  });
});
