/** Receiving bodies: gzip and zstd inflated as a stream and stopped at its cap, the shared byte budget, encodings. */
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ByteBudget, InFlight, KeyedBuckets } from '../../../collector/ingest/rate-limit.ts';
import {
  declaredSize,
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
  it('inflates a gzip body and reserves the buffer it inflates into until released', async () => {
    const budget = new ByteBudget(1024 * 1024);
    const reservation = new Reservation(budget);
    const raw = await inflateBounded(gzipSync('hello\n'.repeat(1000)), 1024 * 1024, reservation);
    expect(raw.toString()).toBe('hello\n'.repeat(1000));
    // The declared 6 000 bytes and the byte zlib needs to spare, reserved before inflating.
    expect(budget.used).toBe(6001);
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

describe('inflating into one buffer of the declared size', () => {
  const text = Buffer.from('{"message":"GET /index.html 200"}\n'.repeat(5000));

  it('reads the size a zstd frame or a gzip trailer declares, and nothing from other bytes', () => {
    expect(declaredSize(zstdCompressSync(text), 'zstd')).toBe(text.length);
    expect(declaredSize(gzipSync(text), 'gzip')).toBe(text.length);
    expect(declaredSize(zstdCompressSync(Buffer.alloc(100, 'a')), 'zstd')).toBe(100);
    expect(declaredSize(Buffer.from('not zstd at all'), 'zstd')).toBeUndefined();
    expect(declaredSize(Buffer.from('short'), 'gzip')).toBeUndefined();
  });

  it('inflates into a single buffer with no copy, and still inflates bodies that declare less', async () => {
    const budget = new ByteBudget(16 * 1024 * 1024);
    for (const [body, encoding] of [
      [zstdCompressSync(text), 'zstd'],
      [gzipSync(text), 'gzip'],
    ] as const) {
      const raw = await inflateBounded(body, 1024 * 1024, new Reservation(budget), encoding);
      expect(raw.equals(text)).toBe(true);
      expect(raw.buffer.byteLength).toBe(text.length + 1);
    }
    // Two gzip members: the trailer declares only the last one's size, the rest comes in more chunks.
    const two = Buffer.concat([gzipSync(text.subarray(0, 30_000)), gzipSync(text.subarray(30_000))]);
    expect(declaredSize(two, 'gzip')).toBe(text.length - 30_000);
    const reservation = new Reservation(budget);
    expect((await inflateBounded(two, 1024 * 1024, reservation, 'gzip')).equals(text)).toBe(true);
    expect(reservation.bytes).toBe(text.length);
  });

  it('refuses a zstd body whose frame declares another size than it holds (400)', async () => {
    // The same frame with a smaller content size in its header: zstd checks it, nothing is cut short.
    const lying = Buffer.from(zstdCompressSync(text));
    const sizeAt = 5 + (((lying[4]! >> 5) & 1) === 1 ? 0 : 1);
    lying.writeUInt32LE(text.length - 1000, sizeAt);
    const error = await failure(
      inflateBounded(lying, 1024 * 1024, new Reservation(new ByteBudget(1024 * 1024)), 'zstd'),
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^the body is not valid zstd/);
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
