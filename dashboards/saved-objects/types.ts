/**
 * Kibana saved objects as the import API reads them, one JSON object per NDJSON line
 * (https://www.elastic.co/guide/en/kibana/8.19/saved-objects-api-import.html).
 */

/** A reference from one saved object to another, by name inside the referring object. */
export interface SavedObjectReference {
  name: string;
  type: string;
  id: string;
}

/** One saved object. */
export interface SavedObject {
  id: string;
  type: 'index-pattern' | 'lens' | 'search' | 'dashboard';
  attributes: Record<string, unknown>;
  references: SavedObjectReference[];
  coreMigrationVersion: string;
  typeMigrationVersion: string;
  managed: boolean;
}

/**
 * The migration versions the objects are written in. Kibana migrates older documents forward on
 * import and refuses newer ones, so these are the oldest versions that carry the shapes used here
 * (Lens `formBased` layers and pie `primaryGroups`, dashboard panels with `panelRefName`):
 * Kibana 8.9 and newer import them.
 */
export const migrationVersions = {
  core: '8.8.0',
  'index-pattern': '8.0.0',
  search: '8.0.0',
  lens: '8.9.0',
  dashboard: '8.9.0',
} as const;

/** The oldest Kibana the built file imports into. */
export const minimumKibanaVersion = '8.9.0';

/** A saved object with its type's migration versions filled in. */
export function savedObject(
  type: SavedObject['type'],
  id: string,
  attributes: Record<string, unknown>,
  references: SavedObjectReference[] = [],
): SavedObject {
  return {
    id,
    type,
    attributes,
    references,
    coreMigrationVersion: migrationVersions.core,
    typeMigrationVersion: migrationVersions[type],
    managed: false,
  };
}
