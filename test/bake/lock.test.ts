import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireBakeLock } from '../../bake/lock.ts';
import { localBakeStore } from '../../bake/store/local-store.ts';
import { type BakeFields, bakeRecord } from '../../bake/store/record.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const succeeded = (id: string, key: string): BakeFields => ({
  id,
  key,
  status: 'succeeded',
  started_at: '2026-11-22T08:00:00.000Z',
  template: 't.json',
  artifacts: ['us-east-1:ami-1'],
  inputs: {},
});

describe('acquireBakeLock (local store: lock files created with O_EXCL)', () => {
  it('lets one bake of a key run; the other waits and reuses its result', async () => {
    const store = localBakeStore(join(root, 'a'));
    let clock = 0;
    expect(await acquireBakeLock(store, 'k1', 'bake-1', { now: () => clock, sleep: async () => {} })).toEqual(
      {
        kind: 'acquired',
      },
    );
    const waited: string[] = [];
    const second = acquireBakeLock(store, 'k1', 'bake-2', {
      now: () => clock,
      // While bake-2 waits, bake-1 finishes and records its success.
      sleep: async () => {
        clock += 2000;
        await store.save(bakeRecord(succeeded('bake-1', 'k1')));
        await store.unlock('k1', 'bake-1');
      },
      onWait: (holder) => waited.push(holder),
    });
    const outcome = await second;
    expect(waited).toEqual(['bake-1']);
    expect(outcome.kind).toBe('reused');
    expect(outcome.kind === 'reused' && outcome.record.kiln.bake.id).toBe('bake-1');
  });

  it('reuses a bake that finished between the cache check and the lock, unless forced', async () => {
    const store = localBakeStore(join(root, 'b'));
    await store.save(bakeRecord(succeeded('bake-1', 'k2')));
    const options = { now: () => 0, sleep: async () => {} };
    const reused = await acquireBakeLock(store, 'k2', 'bake-2', options);
    expect(reused.kind).toBe('reused');
    expect(await acquireBakeLock(store, 'k2', 'bake-3', { ...options, force: true })).toEqual({
      kind: 'acquired',
    });
  });

  it('breaks a stale lock and gives up waiting after waitMs with the holder named', async () => {
    const store = localBakeStore(join(root, 'c'));
    let clock = 0;
    const options = {
      now: () => clock,
      sleep: async (ms: number) => {
        clock += ms;
      },
      waitMs: 10_000,
      staleMs: 60_000,
    };
    await acquireBakeLock(store, 'k3', 'bake-1', options);
    await expect(acquireBakeLock(store, 'k3', 'bake-2', options)).rejects.toThrow(
      /an identical bake \(bake-1, key k3\) has held the lock for over 10 s/,
    );
    clock = 120_000;
    expect(await acquireBakeLock(store, 'k3', 'bake-4', options)).toEqual({ kind: 'acquired' });
  });
});
