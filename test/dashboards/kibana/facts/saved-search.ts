/**
 * The saved search (`search` saved object, Discover's table) as each supported Kibana validates it.
 * Every form refuses unknown keys (config-schema's default).
 *
 * - 8.9 (savedSearchType89): one schema, registered for 8.8.0.
 * - 8.14–8.19 (savedSearchSchema8): model versions add sampleSize, headerRowHeight, visContext,
 *   the `patterns` view mode and density, all optional, over the same base.
 * - 9.x (discoverSession9): a Discover session `{title, description, tabs[]}`; model version 13
 *   moves an older object's attributes into its one tab, whose attributes schema is the base's
 *   keys minus title and description, plus hideTable, chartInterval, controlGroupJson and later
 *   display settings.
 */
import { any, arr, bool, extend, num, obj, oneOf, opt, record, req, type Shape, str } from '../shape.ts';
import type { KibanaLine } from './dashboard.ts';

/** A sort entry: [field, direction]; 8.8.0's schema wants exactly two strings. */
const sortPair = arr(str, { minSize: 2, maxSize: 2 });

const base = {
  columns: arr(str),
  sort: arr(sortPair),
  grid: obj({ columns: record(obj({ width: num })) }),
  rowHeight: num,
  rowsPerPage: num,
  hideChart: bool,
  breakdownField: str,
  kibanaSavedObjectMeta: req(obj({ searchSourceJSON: req(str) })),
  isTextBasedQuery: bool,
  usesAdHocDataView: bool,
  timeRestore: bool,
  timeRange: obj({ from: req(str), to: req(str) }),
  refreshInterval: obj({ pause: req(bool), value: req(num) }),
  hideAggregatedPreview: bool,
};

const search89 = obj({
  title: req(str),
  description: str,
  ...base,
  viewMode: oneOf('documents', 'aggregated'),
  hits: num,
  version: num,
});

const search8x = extend(search89, {
  sampleSize: num,
  headerRowHeight: num,
  visContext: any,
  viewMode: oneOf('documents', 'patterns', 'aggregated'),
  density: oneOf('compact', 'normal', 'expanded'),
});

/** The attributes of the one tab a 9.x Discover session makes of an older saved search. */
export const discoverTabAttributes9: Shape = obj({
  ...base,
  hideTable: bool,
  headerRowHeight: num,
  sampleSize: num,
  density: oneOf('compact', 'expanded', 'normal'),
  visContext: any,
  chartInterval: str,
  controlGroupJson: str,
  viewMode: oneOf('documents', 'patterns', 'aggregated'),
  esqlApproximation: bool,
  sourceDisplayMode: oneOf('summary', 'json'),
  jsonModeSettings: obj({ hideNulls: bool, wrapLines: bool }),
});

/** The keys a 9.x session keeps at its top; the rest go into the tab. */
export const discoverSessionTopKeys9 = ['title', 'description'] as const;

/** The attributes schema each Kibana applies to an imported saved search (9.x: before the tab move). */
export const savedSearchAttributes: Readonly<Record<KibanaLine, Shape>> = {
  '8.9': search89,
  '8.14': search8x,
  '8.19': search8x,
  '9.x': extend(search8x, { title: req(str), description: opt(str) }),
};

/** What searchSourceJSON holds for a data-view-backed search (the sample data and exports). */
export const searchSourceShape: Shape = obj({
  query: req(obj({ language: req(oneOf('kuery', 'lucene')), query: req(str) })),
  filter: req(arr(any)),
  indexRefName: str,
});
