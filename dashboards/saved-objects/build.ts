/**
 * `kiln dashboards build`: turns the dashboard specs into saved objects and one NDJSON file,
 * data views first so every reference points backwards. Deterministic: same options, same bytes.
 */
import { allDashboards, defaultBuildOptions } from '../spec/index.ts';
import { type DashboardBuildOptions, dataViewKeys } from '../spec/types.ts';
import { dashboardObject } from './dashboard.ts';
import { dataViewObject } from './data-view.ts';
import { savedObjectId } from './ids.ts';
import { lensObject, panelObjectKey } from './lens.ts';
import { savedSearchObject } from './saved-search.ts';
import type { SavedObject } from './types.ts';

/** Every saved object kiln ships, for these settings. */
export function buildSavedObjects(options: DashboardBuildOptions = defaultBuildOptions): SavedObject[] {
  const prefix = options.indexPrefix;
  const objects: SavedObject[] = dataViewKeys.map((key) => dataViewObject(prefix, key));
  for (const dashboard of allDashboards(options)) {
    const panelObjects = dashboard.panels.map((panel) => {
      const id = savedObjectId(prefix, panelObjectKey(dashboard.key, panel.key));
      return panel.type === 'lens' ? lensObject(prefix, id, panel) : savedSearchObject(prefix, id, panel);
    });
    objects.push(...panelObjects);
    objects.push(
      dashboardObject(prefix, savedObjectId(prefix, `dashboard:${dashboard.key}`), dashboard, panelObjects),
    );
  }
  return objects;
}

/** The saved objects as import-ready NDJSON (one object per line, trailing newline). */
export function toNdjson(objects: readonly SavedObject[]): string {
  return `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;
}
