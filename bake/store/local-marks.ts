/**
 * Image marks in the local bake store: one JSON file per image under `<dir>/marks/`, created
 * with O_EXCL (`wx`) so one machine never marks an image twice; the image's bake records get
 * `kiln.bake.marked_bad`.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bareImageId } from '../lineage.ts';
import type { BakeRecord, ImageMark, ImageMarkStore } from './record.ts';

/** Marks under `dir` (the store's directory); `readBakes`/`saveBake` are the store's own. */
export function localImageMarks(
  dir: string,
  readBakes: () => BakeRecord[],
  saveBake: (record: BakeRecord) => void,
): ImageMarkStore {
  const marks = join(dir, 'marks');
  const file = (imageId: string) => join(marks, `${bareImageId(imageId)}.json`);
  const read = (imageId: string): ImageMark => JSON.parse(readFileSync(file(imageId), 'utf8')) as ImageMark;
  const write = (mark: ImageMark, flag: 'wx' | 'w') => {
    if (flag === 'wx') writeFileSync(file(mark.image_id), `${JSON.stringify(mark, null, 2)}\n`, { flag });
    else {
      writeFileSync(`${file(mark.image_id)}.tmp`, `${JSON.stringify(mark, null, 2)}\n`);
      renameSync(`${file(mark.image_id)}.tmp`, file(mark.image_id));
    }
  };
  return {
    async markImageBad(mark) {
      mkdirSync(marks, { recursive: true });
      const bare = bareImageId(mark.image_id);
      const bakes = readBakes().filter((r) => r.kiln.bake.artifacts.some((a) => bareImageId(a) === bare));
      const full: ImageMark =
        bakes.length > 0 ? { ...mark, bake_ids: bakes.map((b) => b.kiln.bake.id) } : mark;
      try {
        write(full, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        return { created: false, mark: read(mark.image_id) };
      }
      for (const record of bakes) {
        record.kiln.bake.marked_bad = {
          image_id: mark.image_id,
          at: mark.marked_at,
          reason: mark.reason,
          decision_id: mark.decision_id,
        };
        saveBake(record);
      }
      return { created: true, mark: full };
    },
    async updateImageMark(imageId, patch) {
      write({ ...read(imageId), ...patch }, 'w');
    },
    async imageMarks() {
      let names: string[];
      try {
        names = readdirSync(marks).filter((n) => n.endsWith('.json'));
      } catch {
        return [];
      }
      return names.map((n) => JSON.parse(readFileSync(join(marks, n), 'utf8')) as ImageMark);
    },
  };
}
