/** Normalisation: dotted keys expanded and merged, flattened fields left as sent, depth bounded. */
import { describe, expect, it } from 'vitest';
import { depthExceeds, expandDottedKeys } from '../../../collector/ingest/normalize.ts';

describe('expandDottedKeys', () => {
  it.each([
    [{ 'a.b': 1 }, { a: { b: 1 } }],
    [{ a: { c: 2 }, 'a.b': 1 }, { a: { c: 2, b: 1 } }],
    [{ 'a.b': { 'c.d': 1 } }, { a: { b: { c: { d: 1 } } } }],
    [{ list: [{ 'x.y': 1 }] }, { list: [{ x: { y: 1 } }] }],
    [{ kiln: { log: { json: { 'a.b': 1, a: 2 } } } }, { kiln: { log: { json: { 'a.b': 1, a: 2 } } } }],
    [{ 'kiln.log.json': { 'k.v': true } }, { kiln: { log: { json: { 'k.v': true } } } }],
  ])('%j becomes %j', (input, expected) => {
    expect(expandDottedKeys(input as Record<string, unknown>)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [{ a: 1, 'a.b': 2 }, '"a.b" conflicts with the value at "a"'],
    [{ 'a.b': 1, a: { b: 2 } }, '"a.b" is given twice'],
    [{ 'a..b': 1 }, 'the field name "a..b" has an empty part'],
    [{ '.a': 1 }, 'the field name ".a" has an empty part'],
  ])('refuses %j: %s', (input, reason) => {
    expect(expandDottedKeys(input as Record<string, unknown>)).toEqual({ ok: false, reason });
  });
});

describe('depthExceeds', () => {
  it('counts objects and arrays, and stops early on hostile input', () => {
    expect(depthExceeds({ a: { b: [1] } }, 3)).toBe(false);
    expect(depthExceeds({ a: { b: [1] } }, 2)).toBe(true);
    expect(depthExceeds('text', 0)).toBe(false);
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(depthExceeds(deep, 32)).toBe(true);
  });
});
