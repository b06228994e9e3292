/**
 * Line streams: a plain file is read into one reused buffer, a gzip one through a stream; either
 * way the lines are the file's, whatever falls on a chunk boundary (a line, a multi-byte
 * character, the last line without its newline).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readLineBatches, readLines } from '../../../agent/baseline/line-stream.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kiln-line-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 5 000 lines of 1 to 60 characters, a third of them with 2-, 3- and 4-byte characters. */
const lines = Array.from({ length: 5000 }, (_, i) => {
  const word = ['é', '€', '𝄞', 'a'][i % 4]!;
  return Array.from(`${i} ${word.repeat(i % 15)}`)
    .slice(0, 1 + (i % 60))
    .join('');
});
const text = `${lines.join('\n')}\nno newline at the end ☃`;

describe('readLineBatches', () => {
  it.each([
    ['plain', Buffer.from(text)],
    ['gzip', gzipSync(Buffer.from(text))],
  ])('gives back every line of a %s file of many chunks, split characters whole', async (name, bytes) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 16 * 1024);
    const batches: string[][] = [];
    for await (const batch of readLineBatches(file)) batches.push(batch);
    expect(batches.length).toBeGreaterThan(4);
    expect(batches.flat()).toEqual([...lines, 'no newline at the end ☃']);
  });

  it('gives nothing for an empty file, and one line for a file without a newline', async () => {
    writeFileSync(path.join(dir, 'empty'), '');
    writeFileSync(path.join(dir, 'one'), 'only');
    const read = async (f: string) => {
      const out: string[] = [];
      for await (const l of readLines(path.join(dir, f))) out.push(l);
      return out;
    };
    expect(await read('empty')).toEqual([]);
    expect(await read('one')).toEqual(['only']);
  });
});
