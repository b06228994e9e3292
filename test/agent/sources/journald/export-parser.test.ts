import { describe, expect, it } from 'vitest';
import { ExportParser } from '../../../../agent/sources/journald/export-parser.ts';
import { encodeExport } from '../../../support/journal.ts';

const limits = { maxFieldBytes: 1024, maxEntryBytes: 4096 };

function parseAll(bytes: Buffer, chunk: number, l = limits) {
  const parser = new ExportParser(l);
  const out = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...parser.push(bytes.subarray(i, i + chunk)));
  return { entries: out, midEntry: parser.midEntry };
}

describe('ExportParser', () => {
  const bytes = encodeExport([
    { __CURSOR: 's=a;i=1', MESSAGE: 'one', PRIORITY: 3 },
    { __CURSOR: 's=a;i=2', MESSAGE: 'two\nlines', TAG: 'x' },
    { __CURSOR: 's=a;i=3', MESSAGE: 'three', TAG: 'y' },
  ]);

  it.each([1, 3, 7, 64, 100_000])('reads text and binary fields in chunks of %i bytes', (chunk) => {
    const { entries, midEntry } = parseAll(bytes, chunk);
    expect(entries.map((e) => Object.fromEntries(e.fields))).toEqual([
      { __CURSOR: 's=a;i=1', MESSAGE: 'one', PRIORITY: '3' },
      { __CURSOR: 's=a;i=2', MESSAGE: 'two\nlines', TAG: 'x' },
      { __CURSOR: 's=a;i=3', MESSAGE: 'three', TAG: 'y' },
    ]);
    expect(entries.reduce((sum, e) => sum + e.bytes, 0)).toBe(bytes.length);
    expect(midEntry).toBe(false);
  });

  it('keeps a repeated field as a list', () => {
    const raw = Buffer.from('__CURSOR=c\nTAG=a\nTAG=b\n\n');
    expect(parseAll(raw, 5).entries[0]!.fields.get('TAG')).toEqual(['a', 'b']);
  });

  it('cuts text and binary fields at maxFieldBytes, never holding the rest', () => {
    const long = 'x'.repeat(10_000);
    const raw = encodeExport([{ __CURSOR: 'c', MESSAGE: long, BIN: `${long}\n${long}`, AFTER: 'ok' }]);
    const [entry] = parseAll(raw, 333).entries;
    expect((entry!.fields.get('MESSAGE') as string).length).toBeLessThanOrEqual(1024 + 256);
    expect((entry!.fields.get('BIN') as string).length).toBe(1024);
    expect(entry!.fields.get('AFTER')).toBe('ok');
    expect(entry!.truncated).toEqual(['MESSAGE', 'BIN']);
    expect(entry!.bytes).toBe(raw.length);
  });

  it('drops fields past maxEntryBytes and names them', () => {
    const raw = encodeExport([{ __CURSOR: 'c', A: 'a'.repeat(900), B: 'b'.repeat(900), C: 'c'.repeat(900) }]);
    const [entry] = parseAll(raw, 50, { maxFieldBytes: 1000, maxEntryBytes: 2000 }).entries;
    expect(entry!.fields.get('A')).toHaveLength(900);
    expect(entry!.fields.get('B')).toHaveLength(900);
    expect(entry!.truncated).toEqual(['C']);
  });

  it('holds a partial entry until its end arrives', () => {
    const parser = new ExportParser(limits);
    expect(parser.push(Buffer.from('__CURSOR=c\nMESSAGE=hal'))).toEqual([]);
    expect(parser.midEntry).toBe(true);
    const [entry] = parser.push(Buffer.from('f\n\n'));
    expect(entry!.fields.get('MESSAGE')).toBe('half');
  });
});
