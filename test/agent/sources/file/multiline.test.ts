import { describe, expect, it } from 'vitest';
import { type LogLine, MultilineGrouper } from '../../../../agent/sources/file/multiline.ts';

let offset = 0;
function line(text: string): LogLine {
  const l = {
    offset,
    end: offset + text.length + 1,
    text,
    truncated: false,
    invalidUtf8: false,
    originalBytes: text.length,
  };
  offset = l.end;
  return l;
}

const options = { startPattern: /^\d{4}-/, maxLines: 3, timeoutMs: 1000, maxChars: 1000 };

describe('MultilineGrouper', () => {
  it('passes every line through alone without options', () => {
    offset = 0;
    const grouper = new MultilineGrouper(undefined);
    expect(grouper.push(line('a'), 0)).toEqual([
      { offset: 0, end: 2, text: 'a', truncated: false, invalidUtf8: false, originalBytes: 1, lines: 1 },
    ]);
    expect(grouper.hasOpenGroup).toBe(false);
  });

  it('groups continuation lines under the start line and closes on the next start', () => {
    offset = 0;
    const grouper = new MultilineGrouper(options);
    expect(grouper.push(line('2026-1 boom'), 0)).toEqual([]);
    expect(grouper.push(line('  at a'), 1)).toEqual([]);
    const closed = grouper.push(line('2026-2 ok'), 2);
    expect(closed).toEqual([
      {
        offset: 0,
        end: 19,
        text: '2026-1 boom\n  at a',
        truncated: false,
        invalidUtf8: false,
        originalBytes: 18,
        lines: 2,
      },
    ]);
    expect(grouper.flush().map((r) => r.text)).toEqual(['2026-2 ok']);
  });

  it('closes a group at maxLines', () => {
    offset = 0;
    const grouper = new MultilineGrouper(options);
    const out = ['2026 x', ' 1', ' 2', ' 3', ' 4'].flatMap((t) => grouper.push(line(t), 0));
    expect(out.map((r) => [r.text, r.lines])).toEqual([['2026 x\n 1\n 2', 3]]);
    expect(grouper.flush().map((r) => [r.text, r.lines])).toEqual([[' 3\n 4', 2]]);
  });

  it('flushes a group that waited timeoutMs for its next line, not before', () => {
    offset = 0;
    const grouper = new MultilineGrouper(options);
    grouper.push(line('2026 x'), 5000);
    expect(grouper.flushIdle(5999)).toEqual([]);
    expect(grouper.flushIdle(6000).map((r) => r.text)).toEqual(['2026 x']);
    expect(grouper.hasOpenGroup).toBe(false);
  });

  it('cuts a group at maxChars and flags it truncated', () => {
    offset = 0;
    const grouper = new MultilineGrouper({ ...options, maxChars: 10 });
    grouper.push(line('2026 abc'), 0);
    grouper.push(line(' defgh'), 0);
    const [record] = grouper.flush();
    expect(record!.text).toBe('2026 abc\n ');
    expect(record!.truncated).toBe(true);
    expect(record!.lines).toBe(2);
  });
});
