/**
 * scripts/esbuild-ascii.mjs: every bundle is pure ASCII (Node keeps a script's source as a
 * two-byte string otherwise, twice its size), and escaping changes no meaning.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { asciiSources, assertAscii, escapeNonAscii } from '../../scripts/esbuild-ascii.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kiln-ascii-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('escapeNonAscii', () => {
  it('writes each non-ASCII unit as \\uXXXX, surrogate pairs as two', () => {
    expect(escapeNonAscii('/[^°]*/g')).toBe('/[^\\u00b0]*/g');
    expect(escapeNonAscii('a — b')).toBe('a \\u2014 b');
    expect(escapeNonAscii('😀')).toBe('\\ud83d\\ude00');
    expect(escapeNonAscii('plain')).toBe('plain');
  });

  it('leaves a character a backslash escapes alone, and escapes one after an escaped backslash', () => {
    expect(escapeNonAscii('"\\°"')).toBe('"\\°"');
    expect(escapeNonAscii('"\\\\°"')).toBe('"\\\\\\u00b0"');
  });
});

describe('asciiSources', () => {
  it('bundles regular expressions, strings and templates to ASCII that behaves the same', async () => {
    const entry = join(dir, 'entry.js');
    writeFileSync(
      entry,
      [
        "const temps = '+45.0°C  +38.5°C'.match(/[+-]([^°]*)/g);",
        'const emoji = /^\\p{Emoji}$/u.test("😀");',
        'const dash = `a — ${1}`;',
        'module.exports = { temps, emoji, dash, degree: /°/.source.length };',
        '',
      ].join('\n'),
    );
    const outfile = join(dir, 'out.cjs');
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      logLevel: 'silent',
      plugins: [asciiSources()],
    });
    expect(() => assertAscii([outfile])).not.toThrow();
    const { temps, emoji, dash, degree } = await import(outfile);
    expect(temps).toEqual(['+45.0', '+38.5']);
    expect(emoji).toBe(true);
    expect(dash).toBe('a — 1');
    expect(degree).toBe(6); // the escape is in the source, the character is what matches
  });

  it('assertAscii names the file and the place of a character left', () => {
    const file = join(dir, 'left.js');
    writeFileSync(file, 'const r = /°/;\n');
    expect(() => assertAscii([file])).toThrow(/left\.js: a non-ASCII character at offset 11/);
  });
});
