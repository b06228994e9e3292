/**
 * A Lens visualization saved object from a panel spec: one `formBased` layer whose columns are
 * the panel's buckets then metrics, nested in that order (as Lens nests its aggregations), and
 * the visualization state of the chart kind (XY, pie, datatable, metric).
 */
import { conditionsToKql } from '../conditions.ts';
import type { Bucket, LensPanelSpec, Metric } from '../spec/types.ts';
import { dataViewId } from './data-view.ts';
import { type SavedObject, savedObject } from './types.ts';

const layerId = 'layer1';

/**
 * The buckets of a visualization in nesting order (outer first) and its metrics; for a chart with
 * an x axis, which bucket is the axis and which the breakdown. Lens nests its aggregations in
 * column order, so the outer bucket's size limit applies to the whole chart: a time axis goes
 * inside its breakdown (the breakdown's top values over the whole range), a terms or range axis
 * outside it (the 10 largest images, then their statuses — not the top 10 within each status).
 */
export function visualizationColumns(vis: LensPanelSpec['vis']): {
  buckets: Bucket[];
  metrics: Metric[];
  xIndex?: number;
  splitIndex?: number;
} {
  switch (vis.kind) {
    case 'metric':
      return { buckets: [], metrics: [vis.metric] };
    case 'donut':
      return { buckets: [vis.slice], metrics: [vis.metric] };
    case 'table':
      return { buckets: [...vis.rows], metrics: [...vis.metrics] };
    default:
      if (!vis.breakdown) return { buckets: [vis.x], metrics: [vis.metric], xIndex: 0 };
      return vis.x.op === 'date_histogram'
        ? { buckets: [vis.breakdown, vis.x], metrics: [vis.metric], xIndex: 1, splitIndex: 0 }
        : { buckets: [vis.x, vis.breakdown], metrics: [vis.metric], xIndex: 0, splitIndex: 1 };
  }
}

/** Column ids: `b0…` for buckets, `m0…` for metrics. */
export const bucketColumnId = (i: number): string => `b${i}`;
/** The id of the i-th metric column. */
export const metricColumnId = (i: number): string => `m${i}`;

/**
 * A metric column. For count, unique count and sum, Lens's `emptyAsNull` is the "Hide zero
 * values" switch (count.tsx, metrics.tsx): true would show an empty cell where nothing matched, so
 * kiln sets it false and a count of nothing reads 0. The other metrics do not pass it on.
 */
function metricColumn(metric: Metric): Record<string, unknown> {
  const zeroIsAValue = metric.op === 'count' || metric.op === 'unique_count' || metric.op === 'sum';
  return {
    label: metric.label ?? (metric.op === 'count' ? 'Count' : `${metric.op} of ${metric.field}`),
    customLabel: metric.label !== undefined,
    dataType: 'number',
    operationType: metric.op,
    isBucketed: false,
    scale: 'ratio',
    sourceField: metric.op === 'count' ? '___records___' : metric.field,
    ...(zeroIsAValue ? { params: { emptyAsNull: false } } : {}),
  };
}

function bucketColumn(bucket: Bucket): Record<string, unknown> {
  const common = {
    label: bucket.label ?? bucket.field,
    customLabel: bucket.label !== undefined,
    isBucketed: true,
    sourceField: bucket.field,
  };
  switch (bucket.op) {
    case 'terms':
      return {
        ...common,
        dataType: 'string',
        operationType: 'terms',
        scale: 'ordinal',
        params: {
          size: bucket.size,
          orderBy: { type: 'column', columnId: metricColumnId(0) },
          orderDirection: 'desc',
          otherBucket: false,
          missingBucket: false,
          parentFormat: { id: 'terms' },
        },
      };
    case 'date_histogram':
      return {
        ...common,
        dataType: 'date',
        operationType: 'date_histogram',
        scale: 'interval',
        params: { interval: bucket.interval.replace('1', ''), includeEmptyRows: true, dropPartials: false },
      };
    case 'range':
      // Custom ranges as Lens's range editor writes them when switched to ranges (ranges.tsx,
      // onChangeMode): labelled buckets are strings on an ordinal scale, shown by the `range` format.
      return {
        ...common,
        dataType: 'string',
        operationType: 'range',
        scale: 'ordinal',
        params: {
          type: 'range',
          maxBars: 'auto',
          ranges: bucket.ranges.map((r) => ({ from: r.from ?? null, to: r.to ?? null, label: r.label })),
          parentFormat: { id: 'range', params: { template: 'arrow_right', replaceInfinity: true } },
        },
      };
  }
}

function visualizationState(
  vis: LensPanelSpec['vis'],
  bucketIds: string[],
  metricIds: string[],
  roles: { xIndex?: number; splitIndex?: number },
): { type: string; state: Record<string, unknown> } {
  switch (vis.kind) {
    case 'metric':
      return { type: 'lnsMetric', state: { layerId, layerType: 'data', metricAccessor: metricIds[0] } };
    case 'donut':
      return {
        type: 'lnsPie',
        state: {
          shape: 'donut',
          layers: [
            {
              layerId,
              layerType: 'data',
              primaryGroups: bucketIds,
              metrics: metricIds,
              numberDisplay: 'value',
              categoryDisplay: 'default',
              legendDisplay: 'default',
              nestedLegend: false,
            },
          ],
        },
      };
    case 'table':
      return {
        type: 'lnsDatatable',
        state: {
          layerId,
          layerType: 'data',
          columns: [...bucketIds, ...metricIds].map((columnId) => ({ columnId })),
        },
      };
    default: {
      const seriesType = { bar: 'bar_stacked', bar_horizontal: 'bar_horizontal_stacked', line: 'line' }[
        vis.kind
      ];
      const hasBreakdown = roles.splitIndex !== undefined;
      return {
        type: 'lnsXY',
        state: {
          preferredSeriesType: seriesType,
          legend: { isVisible: hasBreakdown, position: 'right' },
          valueLabels: 'hide',
          layers: [
            {
              layerId,
              layerType: 'data',
              seriesType,
              accessors: metricIds,
              xAccessor: bucketIds[roles.xIndex ?? 0],
              ...(hasBreakdown ? { splitAccessor: bucketIds[roles.splitIndex!] } : {}),
            },
          ],
        },
      };
    }
  }
}

/** The saved-object id's key of a panel. */
export function panelObjectKey(dashboardKey: string, panelKey: string): string {
  return `panel:${dashboardKey}:${panelKey}`;
}

/** The Lens saved object of a panel. */
export function lensObject(prefix: string, id: string, panel: LensPanelSpec): SavedObject {
  const { buckets, metrics, ...roles } = visualizationColumns(panel.vis);
  const bucketIds = buckets.map((_, i) => bucketColumnId(i));
  const metricIds = metrics.map((_, i) => metricColumnId(i));
  const columns: Record<string, unknown> = {};
  buckets.forEach((b, i) => {
    columns[bucketIds[i]!] = bucketColumn(b);
  });
  metrics.forEach((m, i) => {
    columns[metricIds[i]!] = metricColumn(m);
  });
  const visualization = visualizationState(panel.vis, bucketIds, metricIds, roles);
  return savedObject(
    'lens',
    id,
    {
      title: panel.title,
      description: panel.description,
      visualizationType: visualization.type,
      state: {
        datasourceStates: {
          formBased: {
            layers: {
              [layerId]: { columns, columnOrder: [...bucketIds, ...metricIds], incompleteColumns: {} },
            },
          },
        },
        visualization: visualization.state,
        query: { language: 'kuery', query: conditionsToKql(panel.where) },
        filters: [],
        adHocDataViews: {},
        internalReferences: [],
      },
    },
    [
      {
        type: 'index-pattern',
        id: dataViewId(prefix, panel.dataView),
        name: `indexpattern-datasource-layer-${layerId}`,
      },
    ],
  );
}
