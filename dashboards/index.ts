/**
 * kiln's Kibana dashboards: the specs (spec/), their saved objects (saved-objects/), the field
 * check against kiln's index templates, and the import into Kibana (install/).
 */
import { KilnError } from '../lib/errors.ts';
import { checkDashboardFields } from './field-check.ts';
import { buildSavedObjects, toNdjson } from './saved-objects/build.ts';
import type { SavedObject } from './saved-objects/types.ts';
import { allDashboards, defaultBuildOptions } from './spec/index.ts';
import type { DashboardBuildOptions } from './spec/types.ts';

export { checkKibana, importSavedObjects } from './install/kibana-import.ts';
export type { KibanaTarget } from './install/kibana-target.ts';

/** The built saved objects and their NDJSON. */
export interface BuiltDashboards {
  objects: SavedObject[];
  ndjson: string;
  /** Count of objects per saved-object type. */
  counts: Record<string, number>;
}

/** Builds every saved object; fails when a panel uses a field kiln's templates do not map fittingly. */
export function buildDashboards(options: DashboardBuildOptions = defaultBuildOptions): BuiltDashboards {
  const problems = checkDashboardFields(allDashboards(options));
  if (problems.length > 0) {
    throw new KilnError(
      'KILN_ERR_CONFIG',
      `the dashboards use fields kiln's index templates do not map as they need:\n${problems.join('\n')}`,
    );
  }
  const objects = buildSavedObjects(options);
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.type] = (counts[o.type] ?? 0) + 1;
  return { objects, ndjson: toNdjson(objects), counts };
}
