/**
 * A data view (`index-pattern` saved object). Fields are left for Kibana to read from the
 * mappings when the data view is first opened, so the file never goes stale when a template
 * gains a field.
 */
import { dataViewPattern, dataViews } from '../spec/data-views.ts';
import type { DataViewKey } from '../spec/types.ts';
import { savedObjectId } from './ids.ts';
import { type SavedObject, savedObject } from './types.ts';

/** The saved-object id of a data view under a prefix. */
export function dataViewId(prefix: string, key: DataViewKey): string {
  return savedObjectId(prefix, `data-view:${key}`);
}

/** The data view saved object. */
export function dataViewObject(prefix: string, key: DataViewKey): SavedObject {
  const spec = dataViews[key];
  return savedObject('index-pattern', dataViewId(prefix, key), {
    title: dataViewPattern(key, prefix),
    name: prefix === 'kiln' ? spec.name : `${spec.name} (${prefix})`,
    ...(spec.timeField ? { timeFieldName: spec.timeField } : {}),
    allowNoIndex: true,
    fields: '[]',
    fieldAttrs: '{}',
    fieldFormatMap: '{}',
    runtimeFieldMap: '{}',
    sourceFilters: '[]',
    typeMeta: '{}',
  });
}
