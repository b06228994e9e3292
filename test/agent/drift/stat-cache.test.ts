/**
 * The stat cache file across checks: an incremental check that finds every file as cached leaves
 * the file as it is; one that re-hashes a file writes the same cache a full check would.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HashStats } from '../../../agent/baseline/scan.ts';
import { checkWithCache } from '../../../agent/drift/incremental.ts';
import { StatCacheFile } from '../../../agent/drift/stat-cache.ts';
import { captureTree, makeSystemTree, treeRoots } from '../baseline/fixture.ts';

describe('stat cache file', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeSystemTree();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is kept as it is when nothing changed, and rewritten from the first changed file on', async () => {
    const { info } = await captureTree(root, treeRoots);
    const cacheFile = new StatCacheFile(path.join(root, 'state/cache'));
    const check = async (nowMs: number) => {
      const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
      const result = await checkWithCache(info, { root, cacheFile, nowMs, counters });
      return { ...result, counters };
    };
    const first = await check(1000);
    expect(first.full).toBe(true);
    const written = await stat(cacheFile.file);
    const text = await readFile(cacheFile.file, 'utf8');

    const second = await check(2000);
    expect(second).toMatchObject({ full: false, differences: [], counters: { hashed: 0 } });
    const kept = await stat(cacheFile.file);
    expect([kept.ino, kept.mtimeMs]).toEqual([written.ino, written.mtimeMs]);

    // /usr/bin/tool sits between other files: lines before it are copied, the rest written.
    await writeFile(path.join(root, 'usr/bin/tool'), '#!/bin/sh\necho changed\n');
    const third = await check(3000);
    expect(third.counters.hashed).toBe(1);
    const incremental = await readFile(cacheFile.file, 'utf8');
    expect(incremental).not.toBe(text);
    await rm(cacheFile.file);
    await check(1000); // full again, the same header as the first
    expect(await readFile(cacheFile.file, 'utf8')).toBe(incremental);
  });
});
