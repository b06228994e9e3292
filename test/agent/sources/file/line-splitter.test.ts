import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../../agent/sources/file/line-splitter.ts';

function split(chunks: string[], maxLineBytes = 1024, start = 0) {
  const splitter = new LineSplitter(maxLineBytes, start);
  const lines = chunks.flatMap((c) => splitter.push(Buffer.from(c)));
  return {
    lines: lines.map((l) => ({
      text: l.bytes.toString(),
      offset: l.offset,
      end: l.end,
      truncated: l.truncated,
      originalBytes: l.originalBytes,
    })),
    pendingOffset: splitter.pendingOffset,
    pendingBytes: splitter.pendingBytes,
  };
}

describe('LineSplitter', () => {
  const cases = [
    {
      name: 'two whole lines in one chunk',
      chunks: ['ab\ncd\n'],
      lines: [
        { text: 'ab', offset: 0, end: 3, truncated: false, originalBytes: 2 },
        { text: 'cd', offset: 3, end: 6, truncated: false, originalBytes: 2 },
      ],
      pendingOffset: 6,
      pendingBytes: 0,
    },
    {
      name: 'a line split across chunks, then a partial line held back',
      chunks: ['he', 'llo\nwor'],
      lines: [{ text: 'hello', offset: 0, end: 6, truncated: false, originalBytes: 5 }],
      pendingOffset: 6,
      pendingBytes: 3,
    },
    {
      name: 'CRLF endings lose the carriage return',
      chunks: ['a\r\n\r\n'],
      lines: [
        { text: 'a', offset: 0, end: 3, truncated: false, originalBytes: 2 },
        { text: '', offset: 3, end: 5, truncated: false, originalBytes: 1 },
      ],
      pendingOffset: 5,
      pendingBytes: 0,
    },
    {
      name: 'an empty line keeps its offset',
      chunks: ['\nx\n'],
      lines: [
        { text: '', offset: 0, end: 1, truncated: false, originalBytes: 0 },
        { text: 'x', offset: 1, end: 3, truncated: false, originalBytes: 1 },
      ],
      pendingOffset: 3,
      pendingBytes: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = split(c.chunks);
      expect(result.lines).toEqual(c.lines);
      expect(result.pendingOffset).toBe(c.pendingOffset);
      expect(result.pendingBytes).toBe(c.pendingBytes);
    });
  }

  it('truncates a line longer than the limit, keeps its first bytes and skips the rest to the newline', () => {
    const result = split(['0123456789', 'abcdef\nnext\n'], 4, 100);
    expect(result.lines).toEqual([
      { text: '0123', offset: 100, end: 117, truncated: true, originalBytes: 16 },
      { text: 'next', offset: 117, end: 122, truncated: false, originalBytes: 4 },
    ]);
  });

  it('keeps an incomplete line intact when the caller reuses its read buffer', () => {
    const splitter = new LineSplitter(64, 0);
    const buffer = Buffer.alloc(2);
    buffer.write('ab');
    splitter.push(buffer);
    buffer.write('cd');
    splitter.push(buffer);
    buffer.write('e\n');
    expect(splitter.push(buffer).map((l) => [l.bytes.toString(), l.offset, l.end])).toEqual([
      ['abcde', 0, 6],
    ]);
  });
});
