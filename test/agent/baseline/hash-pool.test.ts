/**
 * Hashing on the calling thread (the default) and in worker threads give the same digests; on
 * the calling thread a large file is hashed a 1 MiB step at a time, the event loop getting a turn
 * between steps, so the agent's shipping is not stalled for the whole file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashPool } from '../../../agent/baseline/hash-pool.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kiln-hash-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const big = path.join(dir, 'big');
const bigBytes = randomBytes(8 * 1024 * 1024 + 17);
writeFileSync(big, bigBytes);
const small = path.join(dir, 'small');
writeFileSync(small, 'small file\n');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('HashPool', () => {
  it.each([0, 2])('with jobs %i, hashes files whole, and says which one is missing', async (jobs) => {
    const pool = new HashPool(jobs);
    try {
      const [a, b, c, d] = await Promise.all([
        pool.hash(big),
        pool.hash(small),
        pool.hash(path.join(dir, 'missing')),
        pool.hash(small, 'md5'),
      ]);
      expect(a).toEqual({ ok: true, hex: sha256(bigBytes), bytes: bigBytes.length });
      expect(b).toEqual({ ok: true, hex: sha256('small file\n'), bytes: 11 });
      expect(c).toEqual({ ok: false, code: 'ENOENT' });
      expect(d).toEqual({ ok: true, hex: createHash('md5').update('small file\n').digest('hex'), bytes: 11 });
    } finally {
      await pool.close();
    }
  });

  it('on the calling thread, gives the event loop a turn after each MiB of a large file', async () => {
    const pool = new HashPool(0);
    let turns = 0;
    let done = false;
    const count = () => {
      turns++;
      if (!done) setImmediate(count);
    };
    setImmediate(count);
    const result = await pool.hash(big);
    done = true;
    expect(result.ok).toBe(true);
    // 8 full steps of 1 MiB, a turn after each, then the last 17 bytes.
    expect(turns).toBeGreaterThanOrEqual(8);
    await pool.close();
  });
});
