/**
 * A saved search (`search` saved object, Discover's document table) from a panel spec: columns,
 * sort, and the panel's conditions as KQL, pointing at its data view through
 * `kibanaSavedObjectMeta.searchSourceJSON.index`.
 */
import { conditionsToKql } from '../conditions.ts';
import type { SearchPanelSpec } from '../spec/types.ts';
import { dataViewId } from './data-view.ts';
import { type SavedObject, savedObject } from './types.ts';

const indexRefName = 'kibanaSavedObjectMeta.searchSourceJSON.index';

/** The saved search of a panel. */
export function savedSearchObject(prefix: string, id: string, panel: SearchPanelSpec): SavedObject {
  const searchSource = {
    query: { language: 'kuery', query: conditionsToKql(panel.where) },
    filter: [],
    indexRefName,
  };
  return savedObject(
    'search',
    id,
    {
      title: panel.title,
      description: panel.description,
      columns: [...panel.columns],
      sort: panel.sort.map(([field, direction]) => [field, direction]),
      grid: {},
      hideChart: true,
      isTextBasedQuery: false,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(searchSource) },
    },
    [{ name: indexRefName, type: 'index-pattern', id: dataViewId(prefix, panel.dataView) }],
  );
}
