import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointStore, type FileCheckpoint } from '../../../../agent/sources/file/checkpoint-store.ts';
import { tempDirs } from './support.ts';

function checkpoint(offset: number): FileCheckpoint {
  return {
    fingerprint: 'fp',
    path: '/var/log/a.log',
    dev: 1,
    ino: 2,
    birthtimeMs: 3,
    headLength: 4,
    headHash: 'h',
    generation: 0,
    offset,
    updatedAt: '2026-11-22T12:00:00.000Z',
  };
}

describe('CheckpointStore', () => {
  it('has no checkpoints before the first save', async () => {
    expect(await new CheckpointStore(tempDirs('cp-empty').state).load()).toEqual([]);
  });

  it('saves atomically (no temp file left, mode 0600) and the last of concurrent saves wins', async () => {
    const { state } = tempDirs('cp-save');
    const store = new CheckpointStore(state);
    await Promise.all([
      store.save([checkpoint(1)]),
      store.save([checkpoint(2)]),
      store.save([checkpoint(3)]),
    ]);
    expect(await new CheckpointStore(state).load()).toEqual([checkpoint(3)]);
    expect(readdirSync(state)).toEqual(['file-checkpoints.json']);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(store.file, 'utf8')).version).toBe(1);
  });

  it('refuses a corrupt file with what to do about it', async () => {
    const { state } = tempDirs('cp-bad');
    const store = new CheckpointStore(state);
    await store.save([]);
    writeFileSync(join(state, 'file-checkpoints.json'), '{"version":1,"files":[');
    await expect(store.load()).rejects.toThrow(/are not valid JSON; move the file away/);
  });
});
