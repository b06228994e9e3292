/** Receiving bodies: gzip and zstd inflated as a stream and stopped at its cap, the shared byte budget, encodings. */
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ByteBudget, InFlight, KeyedBuckets } from '../../../collector/ingest/rate-limit.ts';
import {
  encodingOf,
  inflateBounded,
  type ReceiveError,
  Reservation,
} from '../../../collector/ingest/receive.ts';

async function failure(work: Promise<unknown>): Promise<ReceiveError> {
  try {
    await work;
  } catch (error) {
    return error as ReceiveError;
  }
  throw new Error('expected a ReceiveError');
}

describe('inflateBounded', () => {
  it('inflates a gzip body and reserves what it inflated until released', async () => {
    const budget = new ByteBudget(1024 * 1024);
    const reservation = new Reservation(budget);
    const raw = await inflateBounded(gzipSync('hello\n'.repeat(1000)), 1024 * 1024, reservation);
    expect(raw.toString()).toBe('hello\n'.repeat(1000));
    expect(budget.used).toBe(6000);
    reservation.release();
    reservation.release();
    expect(budget.used).toBe(0);
  });

  it('stops a 60 MiB gzip bomb at the per-batch cap (413) without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(60 * 1024 * 1024, 'a'));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const budget = new ByteBudget(64 * 1024 * 1024);
    const reservation = new Reservation(budget);
    const error = await failure(inflateBounded(bomb, 8 * 1024 * 1024, reservation));
    expect(error.status).toBe(413);
    expect(error.message).toBe('the batch inflates to more than 8388608 bytes; send smaller batches');
    expect(budget.used).toBeLessThanOrEqual(8 * 1024 * 1024);
    reservation.release();
    expect(budget.used).toBe(0);
  });

  it('inflates a zstd body, and stops a 60 MiB zstd bomb at the per-batch cap (413)', async () => {
    const budget = new ByteBudget(64 * 1024 * 1024);
    const small = new Reservation(budget);
    const raw = await inflateBounded(zstdCompressSync('hello\n'.repeat(1000)), 1024 * 1024, small, 'zstd');
    expect(raw.toString()).toBe('hello\n'.repeat(1000));
    small.release();
    const bomb = zstdCompressSync(Buffer.alloc(60 * 1024 * 1024, 'a'));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const reservation = new Reservation(budget);
    const error = await failure(inflateBounded(bomb, 8 * 1024 * 1024, reservation, 'zstd'));
    expect(error.status).toBe(413);
    expect(error.message).toBe('the batch inflates to more than 8388608 bytes; send smaller batches');
    expect(budget.used).toBeLessThanOrEqual(8 * 1024 * 1024);
    reservation.release();
    const bad = await failure(inflateBounded(gzipSync('x'), 10_000, new Reservation(budget), 'zstd'));
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/^the body is not valid zstd/);
  });

  it('answers 503 when the shared budget is spent, and 400 for a body that is not gzip', async () => {
    const budget = new ByteBudget(1000);
    const held = new Reservation(budget);
    held.add(900);
    expect(
      (await failure(inflateBounded(gzipSync('x'.repeat(500)), 10_000, new Reservation(budget)))).status,
    ).toBe(503);
    held.release();
    const bad = await failure(inflateBounded(Buffer.from('plain text'), 10_000, new Reservation(budget)));
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/^the body is not valid gzip/);
  });
});

describe('encodingOf', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['zstd', 'zstd'],
    ['ZSTD', 'zstd'],
    ['br', undefined],
    ['gzip, br', undefined],
    ['deflate', undefined],
  ])('%s → %s', (header, expected) => {
    expect(encodingOf(header)).toBe(expected);
  });
});

describe('rate limits', () => {
  it('a bucket lets a burst through, then waits for the rate, key by key', () => {
    const buckets = new KeyedBuckets(100, 10);
    expect(buckets.waitMs('a', 0)).toBe(0);
    buckets.take('a', 150, 0);
    expect(buckets.waitMs('a', 0)).toBe(5100);
    expect(buckets.waitMs('b', 0)).toBe(0);
    expect(buckets.waitMs('a', 5100)).toBe(0);
  });

  it('forgets the least recently used key past its bound', () => {
    const buckets = new KeyedBuckets(1, 0.001, 2);
    buckets.take('a', 1, 0);
    buckets.take('b', 1, 0);
    buckets.take('c', 1, 0);
    expect(buckets.waitMs('a', 0)).toBe(0);
  });

  it('counts requests in flight per key up to the cap, and a destroyed connection holds nothing', () => {
    const inFlight = new InFlight<{ destroyed: boolean }>(2, (h) => h.destroyed);
    const [a1, a2, a3, b1] = [
      { destroyed: false },
      { destroyed: false },
      { destroyed: false },
      { destroyed: false },
    ];
    expect([
      inFlight.acquire('a', a1),
      inFlight.acquire('a', a2),
      inFlight.acquire('a', a3),
      inFlight.acquire('b', b1),
    ]).toEqual([true, true, false, true]);
    inFlight.release('a', a1);
    expect(inFlight.acquire('a', a3)).toBe(true);
    // Timed out: the socket is destroyed before the handler gives its slot back.
    a2.destroyed = true;
    expect(inFlight.acquire('a', { destroyed: false })).toBe(true);
    inFlight.release('a', a2);
    expect(inFlight.acquire('a', { destroyed: false })).toBe(false);
  });
});
