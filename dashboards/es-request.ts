/**
 * The Elasticsearch request a panel stands for: the same index pattern, conditions, buckets
 * (nested outer to inner, as Lens nests them) and metrics, or for a document list the same
 * columns and sort. Tests run these against a real cluster to check what each panel shows;
 * `panelRows` reads the answer back as the table Kibana would draw.
 */
import { conditionsToBool } from './conditions.ts';
import { bucketColumnId, metricColumnId, visualizationColumns } from './saved-objects/lens.ts';
import { dataViewPattern } from './spec/data-views.ts';
import type { Bucket, Metric, PanelSpec } from './spec/types.ts';

/** A search request: index and body. */
export interface PanelRequest {
  index: string;
  body: Record<string, unknown>;
}

/** Extra filters a dashboard adds at view time: the instance control and the time picker. */
export interface ViewFilters {
  /** Terms filters, e.g. `{ 'cloud.instance.id': ['i-0abc'] }` from a control. */
  terms?: Record<string, readonly string[]>;
  /** The time picker range on the data view's time field (ignored for views without one). */
  time?: { timeField: string; gte: string; lte: string };
}

function metricAgg(metric: Metric): Record<string, unknown> | undefined {
  if (metric.op === 'count') return undefined;
  // Lens operation names → Elasticsearch aggregations.
  const op = { unique_count: 'cardinality', average: 'avg', max: 'max', min: 'min', sum: 'sum' }[metric.op];
  return { [op]: { field: metric.field } };
}

function metricAggs(metrics: readonly Metric[]): Record<string, unknown> {
  const aggs: Record<string, unknown> = {};
  metrics.forEach((metric, i) => {
    const agg = metricAgg(metric);
    if (agg) aggs[metricColumnId(i)] = agg;
  });
  return aggs;
}

function bucketAgg(bucket: Bucket, firstMetric: Metric): Record<string, unknown> {
  switch (bucket.op) {
    case 'terms':
      return {
        terms: {
          field: bucket.field,
          size: bucket.size,
          order: firstMetric.op === 'count' ? { _count: 'desc' } : { [metricColumnId(0)]: 'desc' },
        },
      };
    case 'date_histogram':
      return {
        date_histogram: { field: bucket.field, calendar_interval: bucket.interval, min_doc_count: 1 },
      };
    case 'range':
      return {
        range: {
          field: bucket.field,
          keyed: false,
          ranges: bucket.ranges.map((r) => ({
            key: r.label,
            ...(r.from !== undefined ? { from: r.from } : {}),
            ...(r.to !== undefined ? { to: r.to } : {}),
          })),
        },
      };
  }
}

function nestAggs(
  buckets: readonly Bucket[],
  metrics: readonly Metric[],
  depth = 0,
): Record<string, unknown> {
  const metricsHere = metricAggs(metrics);
  const bucket = buckets[depth];
  if (!bucket) return metricsHere;
  const agg = bucketAgg(bucket, metrics[0]!);
  const inner = nestAggs(buckets, metrics, depth + 1);
  if (Object.keys(inner).length > 0) agg.aggs = inner;
  return { ...metricsHere, [bucketColumnId(depth)]: agg };
}

/** The search request of a panel under an index prefix, with the view's filters. */
export function panelRequest(panel: PanelSpec, prefix: string, view: ViewFilters = {}): PanelRequest {
  const bool = conditionsToBool(panel.where);
  for (const [field, values] of Object.entries(view.terms ?? {}))
    bool.filter.push({ terms: { [field]: [...values] } });
  if (view.time)
    bool.filter.push({ range: { [view.time.timeField]: { gte: view.time.gte, lte: view.time.lte } } });
  const query = { bool };
  const index = dataViewPattern(panel.dataView, prefix);
  if (panel.type === 'search') {
    return {
      index,
      body: {
        query,
        size: panel.size ?? 50,
        sort: panel.sort.map(([field, order]) => ({ [field]: { order, unmapped_type: 'keyword' } })),
        _source: [...panel.columns],
      },
    };
  }
  const { buckets, metrics } = visualizationColumns(panel.vis);
  return { index, body: { query, size: 0, track_total_hits: true, aggs: nestAggs(buckets, metrics) } };
}

/** One row of what a panel shows: bucket keys (`b0`, `b1`…) and metric values (`m0`…). */
export type PanelRow = Record<string, string | number | boolean | null>;

interface AggBucket {
  key: string | number;
  key_as_string?: string;
  doc_count: number;
  [agg: string]: unknown;
}

function metricValues(node: Record<string, unknown>, docCount: number, metrics: readonly Metric[]): PanelRow {
  const row: PanelRow = {};
  metrics.forEach((metric, i) => {
    const id = metricColumnId(i);
    row[id] =
      metric.op === 'count' ? docCount : ((node[id] as { value: number | null } | undefined)?.value ?? null);
  });
  return row;
}

function flatten(
  node: Record<string, unknown>,
  docCount: number,
  buckets: readonly Bucket[],
  metrics: readonly Metric[],
  depth: number,
  prefix: PanelRow,
): PanelRow[] {
  if (depth === buckets.length) return [{ ...prefix, ...metricValues(node, docCount, metrics) }];
  const agg = node[bucketColumnId(depth)] as { buckets: AggBucket[] };
  return agg.buckets.flatMap((b) =>
    flatten(b, b.doc_count, buckets, metrics, depth + 1, {
      ...prefix,
      [bucketColumnId(depth)]:
        buckets[depth]!.op === 'date_histogram' ? (b.key_as_string ?? String(b.key)) : b.key,
    }),
  );
}

/** Reads a search answer as rows: one per bucket combination, or one per document for a list. */
export function panelRows(panel: PanelSpec, response: Record<string, unknown>): PanelRow[] {
  const hits = response.hits as {
    total?: { value: number };
    hits: Array<{ _source: Record<string, unknown> }>;
  };
  if (panel.type === 'search') {
    return hits.hits.map((hit) => {
      const row: PanelRow = {};
      for (const column of panel.columns) row[column] = readPath(hit._source, column);
      return row;
    });
  }
  const { buckets, metrics } = visualizationColumns(panel.vis);
  const aggs = (response.aggregations ?? {}) as Record<string, unknown>;
  return flatten(aggs, hits.total?.value ?? 0, buckets, metrics, 0, {});
}

/** A dotted field from a `_source` (object paths or dotted keys); null when absent. */
export function readPath(source: Record<string, unknown>, path: string): string | number | boolean | null {
  if (path in source) return source[path] as string | number | boolean | null;
  let node: unknown = source;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[part];
  }
  if (node === undefined) return null;
  return node as string | number | boolean | null;
}
