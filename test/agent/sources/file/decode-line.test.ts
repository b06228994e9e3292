import { describe, expect, it } from 'vitest';
import { decodeLine, utf8BoundaryLength } from '../../../../agent/sources/file/decode-line.ts';

describe('decodeLine', () => {
  const cases: Array<{
    name: string;
    bytes: Buffer;
    truncated: boolean;
    text: string;
    invalidUtf8: boolean;
  }> = [
    { name: 'plain ASCII', bytes: Buffer.from('hello'), truncated: false, text: 'hello', invalidUtf8: false },
    {
      name: 'valid multibyte',
      bytes: Buffer.from('grüße €'),
      truncated: false,
      text: 'grüße €',
      invalidUtf8: false,
    },
    {
      name: 'invalid bytes are replaced and flagged',
      bytes: Buffer.from('bad \xff\xfe bytes', 'latin1'),
      truncated: false,
      text: 'bad \uFFFD\uFFFD bytes',
      invalidUtf8: true,
    },
    {
      name: 'a truncation inside a character cuts back to the boundary, not flagged',
      bytes: Buffer.from('ab€').subarray(0, 4),
      truncated: true,
      text: 'ab',
      invalidUtf8: false,
    },
    {
      name: 'an incomplete character at the end of an untruncated line is invalid',
      bytes: Buffer.from('ab€').subarray(0, 4),
      truncated: false,
      text: 'ab\uFFFD',
      invalidUtf8: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(decodeLine(c.bytes, c.truncated)).toEqual({ text: c.text, invalidUtf8: c.invalidUtf8 });
    });
  }
});

describe('utf8BoundaryLength', () => {
  const euro = Buffer.from('€'); // e2 82 ac
  const cases: Array<[string, Buffer, number]> = [
    ['empty', Buffer.alloc(0), 0],
    ['complete ASCII', Buffer.from('abc'), 3],
    ['complete 3-byte char', Buffer.concat([Buffer.from('a'), euro]), 4],
    ['1 of 3 bytes', Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]), 1],
    ['2 of 3 bytes', Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]), 1],
    ['3 of 4 bytes', Buffer.concat([Buffer.from('a'), Buffer.from('😀').subarray(0, 3)]), 1],
  ];
  for (const [name, bytes, expected] of cases) {
    it(name, () => expect(utf8BoundaryLength(bytes)).toBe(expected));
  }
});
