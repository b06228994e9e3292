/**
 * Capture and check on a real tree of 50 000 files made by the test: every attribute change is
 * reported exactly once, the incremental check re-hashes only what changed, and the periodic full
 * check catches a change the stat cache cannot see.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBaseline } from '../../../agent/baseline/baseline-file.ts';
import { captureBaseline } from '../../../agent/baseline/capture.ts';
import type { HashStats } from '../../../agent/baseline/scan.ts';
import type { BaselineInfo } from '../../../agent/baseline/types.ts';
import { checkWithCache } from '../../../agent/drift/incremental.ts';
import { StatCacheFile } from '../../../agent/drift/stat-cache.ts';

const dirs = 250;
const perDir = 200;
const day = 86_400_000;

describe('baseline at scale (50 000 files)', () => {
  let root: string;
  let info: BaselineInfo;
  let cacheFile: StatCacheFile;
  const t0 = Date.UTC(2026, 5, 1);

  const check = async (nowMs: number, withCache = true) => {
    const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
    const result = await checkWithCache(info, {
      root,
      procDir: path.join(root, 'no-proc'),
      nowMs,
      fullCheckIntervalMs: day,
      jobs: 2,
      counters,
      ...(withCache ? { cacheFile } : {}),
    });
    return {
      counters,
      full: result.full,
      found: result.differences.map((d) => `${d.change} ${d.path} ${d.attribute ?? ''}`.trim()),
    };
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kiln-scale-'));
    for (let d = 0; d < dirs; d++) {
      const dir = path.join(root, 'srv', `d${String(d).padStart(3, '0')}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < perDir; f++) writeFileSync(path.join(dir, `f${f}`), `content of ${d}/${f}\n`);
    }
    const out = path.join(root, 'baseline');
    const captured = await captureBaseline({ root, roots: ['/srv'], nowMs: t0, out, jobs: 2 });
    expect(captured.entries).toBe(1 + dirs + dirs * perDir);
    info = await openBaseline(out);
    expect(info.digest).toBe(captured.digest);
    cacheFile = new StatCacheFile(path.join(root, 'stat-cache'));
  }, 120_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports each attribute change once, re-hashes only what changed, and a full check sees what the cache cannot', async () => {
    const first = await check(t0);
    expect(first).toEqual({
      counters: expect.objectContaining({ hashed: 50_000, cached: 0 }),
      full: true,
      found: [],
    });
    const quiet = await check(t0 + 1000);
    expect(quiet).toEqual({ counters: { hashed: 0, cached: 50_000, bytesRead: 0 }, full: false, found: [] });

    const p = (d: number, f: number) => path.join(root, 'srv', `d${String(d).padStart(3, '0')}`, `f${f}`);
    await writeFile(p(1, 1), 'CONTENT of 1/1\n'); // same size
    chmodSync(p(2, 2), 0o600);
    chownSync(p(3, 3), 1234, 0);
    chownSync(p(4, 4), 0, 4321);
    await appendFile(p(5, 5), 'more\n');
    await unlink(p(6, 6));
    mkdirSync(p(6, 6)); // a file became a directory
    copyFileSync(p(7, 7), `${p(7, 7)}.tmp`);
    renameSync(`${p(7, 7)}.tmp`, p(7, 7)); // same content, new inode
    await writeFile(path.join(root, 'srv/d008/new'), 'new file\n');
    await unlink(p(9, 9));

    const changed = await check(t0 + 2000);
    expect(changed.found).toEqual([
      'changed /srv/d001/f1 sha256',
      'changed /srv/d002/f2 mode',
      'changed /srv/d003/f3 owner',
      'changed /srv/d004/f4 group',
      'changed /srv/d005/f5 size',
      'changed /srv/d005/f5 sha256',
      'changed /srv/d006/f6 type',
      'changed /srv/d007/f7 inode',
      'added /srv/d008/new',
      'removed /srv/d009/f9',
    ]);
    // Seven files have new stats (content, mode, owner, group, size, inode, added): seven hashes.
    // 49 999 files now (one became a directory, one removed, one added).
    expect(changed.counters).toMatchObject({ hashed: 7, cached: 49_999 - 7 });

    // Content changed with size and mtime kept: ctime still moves, so the next check sees it...
    const quiet2 = await check(t0 + 3000);
    expect(quiet2.counters.hashed).toBe(0);
    const target = p(10, 10);
    const before = await stat(target);
    await writeFile(target, 'CONTENT OF 10/10\n'.slice(0, before.size));
    await utimes(target, before.atime, before.mtime);
    expect((await stat(target)).size).toBe(before.size);
    // ...unless the ctime is made to match too (a clock set back, a raw disk write): simulated by
    // giving the cache the new ctime. The incremental check then trusts the cache and misses it.
    const now = await stat(target);
    const cachePath = path.join(root, 'stat-cache');
    const lines = (await readFile(cachePath, 'utf8')).split('\n');
    const at = lines.findIndex((l) => l.startsWith('/srv/d010/f10\t'));
    const f = lines[at]!.split('\t');
    lines[at] = [f[0], f[1], now.mtimeMs, now.ctimeMs, f[4], f[5]].join('\t');
    await writeFile(cachePath, lines.join('\n'));
    const missed = await check(t0 + 4000);
    expect(missed).toMatchObject({ full: false, found: changed.found, counters: { hashed: 0 } });
    // The daily full check hashes everything and finds it.
    const daily = await check(t0 + day);
    expect(daily.full).toBe(true);
    expect(daily.counters).toMatchObject({ hashed: 49_999, cached: 0 });
    expect(daily.found).toEqual([...changed.found, 'changed /srv/d010/f10 sha256']);
  }, 180_000);
});
