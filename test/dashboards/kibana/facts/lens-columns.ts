/**
 * Lens's form-based datasource: the operation names it looks columns up by, and what each
 * operation's column carries. Lens finds a column's definition by `operationType` in its registered
 * operation definitions (lensOperations); a name it does not know — `avg`, the name before the
 * 7.13 rename (lensPreAverage, lensSavedObjectMigrations: the 7.13.0 migration renames it) — has no
 * definition, and the panel fails to render. An object stamped 8.9.0 never runs that migration.
 */
import { any, arr, bool, num, obj, oneOf, req, type Shape, str, union } from '../shape.ts';

/**
 * The `type` of every operation definition Lens registers (lensOperations; the same names in the
 * 8.9 tree, which lacks only the three constants time_range, now and interval and
 * percentile_rank). kiln may use only names present on every supported line, so the test checks
 * against `lensOperationsEveryLine`.
 */
export const lensOperations8x = [
  'filters',
  'terms',
  'date_histogram',
  'min',
  'max',
  'average',
  'unique_count',
  'sum',
  'standard_deviation',
  'median',
  'percentile',
  'percentile_rank',
  'last_value',
  'count',
  'range',
  'cumulative_sum',
  'counter_rate',
  'differences',
  'moving_average',
  'math',
  'formula',
  'overall_sum',
  'overall_min',
  'overall_max',
  'overall_average',
  'static_value',
  'normalize_by_unit',
  'time_range',
  'now',
  'interval',
] as const;

/** Operation names every supported Kibana (8.9 on) registers. */
export const lensOperationsEveryLine: readonly string[] = lensOperations8x.filter(
  (op) => !['time_range', 'now', 'interval', 'percentile_rank'].includes(op),
);

/** What a column's value is; `scale` says how Lens places it on an axis. */
export const columnDataTypes = [
  'string',
  'number',
  'date',
  'boolean',
  'ip',
  'histogram',
  'document',
] as const;
/** Lens's three scales. */
export const columnScales = ['ordinal', 'interval', 'ratio'] as const;

/** The keys every column may carry (column_types: base and field-based columns). */
const columnBase = {
  label: req(str),
  customLabel: bool,
  dataType: req(oneOf(...columnDataTypes)),
  isBucketed: req(bool),
  operationType: req(str),
  scale: oneOf(...columnScales),
  sourceField: str,
  filter: obj({ language: req(str), query: req(str) }),
  timeScale: str,
  timeShift: str,
  reducedTimeRange: str,
};

/** A value format a column may set (metrics, terms, ranges). */
const format = obj({ id: req(str), params: any });

/**
 * Params of metric columns. `emptyAsNull` is the "Hide zero values" switch of count, unique_count
 * and sum (lensCount, lensMetrics: only those pass it to the aggregation): true turns a 0 into an
 * empty cell, so a count meant to read 0 must not set it.
 */
const metricParams = obj({ emptyAsNull: bool, format });

/** Params of a terms column (lensTerms): size, order, other/missing buckets, formats. */
const termsParams = obj({
  size: req(num),
  orderBy: req(
    union(
      obj({ type: req(oneOf('alphabetical')), fallback: bool }),
      obj({ type: req(oneOf('column')), columnId: req(str) }),
      obj({ type: req(oneOf('rare')), maxDocCount: req(num) }),
      obj({ type: req(oneOf('significant', 'custom')) }),
    ),
  ),
  orderDirection: req(oneOf('asc', 'desc')),
  otherBucket: bool,
  missingBucket: bool,
  secondaryFields: arr(str),
  accuracyMode: bool,
  include: arr(any),
  exclude: arr(any),
  includeIsRegex: bool,
  excludeIsRegex: bool,
  orderAgg: any,
  format,
  parentFormat: obj({ id: req(str) }),
});

/** Params of a date histogram column, as the exports write them (nginxOtelLens). */
const dateHistogramParams = obj({
  interval: req(str),
  includeEmptyRows: bool,
  dropPartials: bool,
  ignoreTimeRange: bool,
});

/** One range of a range column; an open end is null (lensRanges, RangeTypeLens). */
const rangeShape = obj({
  from: req(union(num, oneOf(null))),
  to: req(union(num, oneOf(null))),
  label: req(str),
});

/** Params of a range column (lensRanges): histogram or custom ranges. */
const rangeParams = obj({
  type: req(oneOf('histogram', 'range')),
  maxBars: req(union(oneOf('auto'), num)),
  ranges: req(arr(rangeShape)),
  includeEmptyRows: bool,
  format,
  parentFormat: obj({ id: req(str), params: obj({ id: str, template: str, replaceInfinity: bool }) }),
});

/** The full column shape for each operation kiln uses. */
export const columnShapes: Readonly<Record<string, Shape>> = {
  count: obj({ ...columnBase, params: metricParams }),
  unique_count: obj({ ...columnBase, params: metricParams }),
  sum: obj({ ...columnBase, params: metricParams }),
  average: obj({ ...columnBase, params: metricParams }),
  min: obj({ ...columnBase, params: metricParams }),
  max: obj({ ...columnBase, params: metricParams }),
  median: obj({ ...columnBase, params: metricParams }),
  terms: obj({ ...columnBase, params: req(termsParams) }),
  date_histogram: obj({ ...columnBase, params: req(dateHistogramParams) }),
  range: obj({ ...columnBase, params: req(rangeParams) }),
};

/** Metric operations whose emptyAsNull blanks a zero (the "Hide zero values" switch). */
export const zeroHidingOperations = ['count', 'unique_count', 'sum'] as const;

/**
 * What Lens's range editor writes when a user switches a range column to custom ranges
 * (lensRanges, onChangeMode): the buckets are labelled strings, not numbers, and they are
 * formatted by the `range` field format.
 */
export const customRangeColumn = { dataType: 'string', scale: 'ordinal', parentFormatId: 'range' } as const;

/** The record-count field a count column points at (lensCount; every export's count column). */
export const recordsField = '___records___';

/** The layer of the form-based datasource: keys Lens writes (nginxOtelLens, elasticAgentDashboard). */
export const formBasedLayerShape: Shape = obj({
  columns: req(any),
  columnOrder: req(arr(str)),
  incompleteColumns: obj({}),
  ignoreGlobalFilters: bool,
  sampling: num,
  indexPatternId: str,
  linkToLayers: arr(str),
});

/** Lens's state: datasource, visualization, query, filters (nginxOtelLens). */
export const lensStateShape: Shape = obj({
  datasourceStates: req(
    obj({
      formBased: obj({ layers: req(any), currentIndexPatternId: str }),
      indexpattern: any,
      textBased: any,
    }),
  ),
  visualization: req(any),
  query: req(obj({ language: req(oneOf('kuery', 'lucene')), query: req(str) })),
  filters: req(arr(any)),
  adHocDataViews: obj({}),
  internalReferences: arr(any),
  needsRefresh: bool,
});

/** A Lens saved object's attributes (nginxOtelLens). */
export const lensAttributesShape: Shape = obj({
  title: req(str),
  description: str,
  visualizationType: req(
    oneOf(
      'lnsXY',
      'lnsPie',
      'lnsMetric',
      'lnsDatatable',
      'lnsLegacyMetric',
      'lnsGauge',
      'lnsHeatmap',
      'lnsTagcloud',
    ),
  ),
  state: req(any),
});
