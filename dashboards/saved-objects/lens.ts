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

/** The buckets of a visualization in nesting order (outer first) and its metrics. */
export function visualizationColumns(vis: LensPanelSpec['vis']): { buckets: Bucket[]; metrics: Metric[] } {
  switch (vis.kind) {
    case 'metric':
      return { buckets: [], metrics: [vis.metric] };
    case 'donut':
      return { buckets: [vis.slice], metrics: [vis.metric] };
    case 'table':
      return { buckets: [...vis.rows], metrics: [...vis.metrics] };
    default:
      // Lens computes the breakdown's top values over the whole x axis: breakdown outside.
      return { buckets: vis.breakdown ? [vis.breakdown, vis.x] : [vis.x], metrics: [vis.metric] };
  }
}

/** Column ids: `b0…` for buckets, `m0…` for metrics. */
export const bucketColumnId = (i: number): string => `b${i}`;
/** The id of the i-th metric column. */
export const metricColumnId = (i: number): string => `m${i}`;

function metricColumn(metric: Metric): Record<string, unknown> {
  if (metric.op === 'count') {
    return {
      label: metric.label ?? 'Count',
      customLabel: metric.label !== undefined,
      dataType: 'number',
      operationType: 'count',
      isBucketed: false,
      scale: 'ratio',
      sourceField: '___records___',
      params: { emptyAsNull: true },
    };
  }
  return {
    label: metric.label ?? `${metric.op} of ${metric.field}`,
    customLabel: metric.label !== undefined,
    dataType: 'number',
    operationType: metric.op,
    isBucketed: false,
    scale: 'ratio',
    sourceField: metric.field,
    params: { emptyAsNull: true },
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
      return {
        ...common,
        dataType: 'number',
        operationType: 'range',
        scale: 'ordinal',
        params: {
          type: 'range',
          maxBars: 'auto',
          includeEmptyRows: true,
          ranges: bucket.ranges.map((r) => ({ from: r.from ?? null, to: r.to ?? null, label: r.label })),
        },
      };
  }
}

function visualizationState(
  vis: LensPanelSpec['vis'],
  bucketIds: string[],
  metricIds: string[],
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
      const hasBreakdown = vis.breakdown !== undefined;
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
              xAccessor: hasBreakdown ? bucketIds[1] : bucketIds[0],
              ...(hasBreakdown ? { splitAccessor: bucketIds[0] } : {}),
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
  const { buckets, metrics } = visualizationColumns(panel.vis);
  const bucketIds = buckets.map((_, i) => bucketColumnId(i));
  const metricIds = metrics.map((_, i) => metricColumnId(i));
  const columns: Record<string, unknown> = {};
  buckets.forEach((b, i) => {
    columns[bucketIds[i]!] = bucketColumn(b);
  });
  metrics.forEach((m, i) => {
    columns[metricIds[i]!] = metricColumn(m);
  });
  const visualization = visualizationState(panel.vis, bucketIds, metricIds);
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
