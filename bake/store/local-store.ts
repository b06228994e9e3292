/**
 * The local bake store, used when no Elasticsearch is configured: one JSON file per bake under
 * `<dir>/records/`, and lock files under `<dir>/locks/` created with O_EXCL (`wx`), so two bakes
 * of the same key on one machine never both run.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localImageMarks } from './local-marks.ts';
import type { BakeLock, BakeRecord, BakeStore } from './record.ts';

/** A store in a directory. */
export function localBakeStore(dir: string): BakeStore {
  const records = join(dir, 'records');
  const locks = join(dir, 'locks');
  const readAll = (): BakeRecord[] => {
    let names: string[];
    try {
      names = readdirSync(records).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names
      .map((n) => JSON.parse(readFileSync(join(records, n), 'utf8')) as BakeRecord)
      .sort((a, b) => b.kiln.bake.started_at.localeCompare(a.kiln.bake.started_at));
  };
  const saveSync = (record: BakeRecord) => {
    mkdirSync(records, { recursive: true });
    const file = join(records, `${record.kiln.bake.id}.json`);
    // Write then rename, so a reader never sees half a record.
    writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  return {
    ...localImageMarks(dir, readAll, saveSync),
    where: dir,
    findSucceeded: async (key) =>
      readAll().find((r) => r.kiln.bake.key === key && r.kiln.bake.status === 'succeeded'),
    save: async (record) => saveSync(record),
    list: async (limit = Number.POSITIVE_INFINITY) => readAll().slice(0, limit),
    tryLock: async (lock) => {
      mkdirSync(locks, { recursive: true });
      const file = join(locks, `${lock.key}.lock`);
      try {
        writeFileSync(file, JSON.stringify(lock), { flag: 'wx' });
        return { acquired: true };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        try {
          return { acquired: false, holder: JSON.parse(readFileSync(file, 'utf8')) as BakeLock };
        } catch {
          // Released between our create and read: report a holder that is gone; the caller retries.
          return { acquired: false, holder: { ...lock, bakeId: 'unknown' } };
        }
      }
    },
    instances: async () => [],
    unlock: async (key, bakeId) => {
      const file = join(locks, `${key}.lock`);
      try {
        const holder = JSON.parse(readFileSync(file, 'utf8')) as BakeLock;
        if (holder.bakeId === bakeId) rmSync(file, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
