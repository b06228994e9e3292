/**
 * The visualization states kiln writes, restated from Lens's persisted state types and the
 * exports. Lens keeps these as plain JSON (no saved-object schema looks inside), so a key or value
 * Lens does not know is silently lost or breaks the chart: the shapes list exactly what Lens reads.
 *
 * - lnsXY (lensXyTypes; nginxOtelLens, sampleDataLogs9): series types, legend, value labels and
 *   data layers with accessors, xAccessor and splitAccessor.
 * - lnsPie (lensCommonTypes 8.6–8.10, lensCommonTypes9 for 8.14 on): shape, layers with
 *   primaryGroups and metrics, and the display enums.
 * - lnsMetric (elasticAgentDashboard, sampleDataLogs9): layerId, layerType, metricAccessor and
 *   the optional secondary/max/breakdown accessors and display settings.
 * - lnsDatatable (sampleDataLogs9): layerId, layerType, columns by columnId, sorting.
 */
import { any, arr, bool, num, obj, oneOf, req, type Shape, str } from '../shape.ts';

/** Every series type Lens's XY chart draws (lensXyTypes SeriesTypes). */
export const xySeriesTypes = [
  'bar',
  'line',
  'area',
  'bar_stacked',
  'area_stacked',
  'bar_horizontal',
  'bar_percentage_stacked',
  'bar_horizontal_stacked',
  'area_percentage_stacked',
  'bar_horizontal_percentage_stacked',
] as const;

const legendPosition = oneOf('top', 'bottom', 'left', 'right');
const layerType = oneOf('data');
const xyToggles = obj({ x: req(bool), yLeft: req(bool), yRight: req(bool) });

const xyDataLayer = obj({
  layerId: req(str),
  layerType: req(layerType),
  seriesType: req(oneOf(...xySeriesTypes)),
  accessors: req(arr(str)),
  xAccessor: str,
  splitAccessor: str,
  yConfig: arr(
    obj({ forAccessor: req(str), color: str, axisMode: oneOf('auto', 'left', 'right', 'bottom') }),
  ),
  palette: any,
  colorMapping: any,
  collapseFn: str,
  simpleView: bool,
  xScaleType: oneOf('time', 'linear', 'ordinal'),
  isHistogram: bool,
});

/** lnsXY's state. `valueLabels` is hide|show from 8.3 on (lensCommonTypes). */
export const xyState: Shape = obj({
  preferredSeriesType: req(oneOf(...xySeriesTypes)),
  legend: req(
    obj({
      isVisible: req(bool),
      position: req(legendPosition),
      showSingleSeries: bool,
      shouldTruncate: bool,
      maxLines: num,
      isInside: bool,
      legendSize: any,
      legendStats: arr(str),
    }),
  ),
  valueLabels: oneOf('hide', 'show'),
  fittingFunction: oneOf('None', 'Zero', 'Linear', 'Carry', 'Lookahead', 'Average', 'Nearest'),
  axisTitlesVisibilitySettings: xyToggles,
  tickLabelsVisibilitySettings: xyToggles,
  gridlinesVisibilitySettings: xyToggles,
  labelsOrientation: obj({ x: req(num), yLeft: req(num), yRight: req(num) }),
  yLeftExtent: any,
  yRightExtent: any,
  xTitle: str,
  yTitle: str,
  curveType: str,
  layers: req(arr(xyDataLayer)),
});

const pieLayer = obj({
  layerId: req(str),
  layerType: req(layerType),
  primaryGroups: req(arr(str)),
  secondaryGroups: arr(str),
  metrics: req(arr(str)),
  allowMultipleMetrics: bool,
  collapseFns: any,
  numberDisplay: req(oneOf('hidden', 'percent', 'value')),
  categoryDisplay: req(oneOf('default', 'inside', 'hide')),
  legendDisplay: req(oneOf('default', 'show', 'hide')),
  legendPosition,
  nestedLegend: bool,
  percentDecimals: num,
  emptySizeRatio: num,
  legendMaxLines: num,
  legendSize: any,
  truncateLegend: bool,
  colorMapping: any,
});

/** lnsPie's state (pie, donut, treemap, mosaic, waffle). */
export const pieState: Shape = obj({
  shape: req(oneOf('pie', 'donut', 'treemap', 'mosaic', 'waffle')),
  layers: req(arr(pieLayer)),
  palette: any,
});

/** lnsMetric's state (the metric chart of 8.5 on; the older one is lnsLegacyMetric). */
export const metricState: Shape = obj({
  layerId: req(str),
  layerType: req(layerType),
  metricAccessor: str,
  secondaryMetricAccessor: str,
  maxAccessor: str,
  breakdownByAccessor: str,
  collapseFn: str,
  subtitle: str,
  secondaryPrefix: str,
  progressDirection: oneOf('vertical', 'horizontal'),
  showBar: bool,
  color: str,
  palette: any,
  maxCols: num,
  trendlineLayerId: str,
  trendlineLayerType: oneOf('metricTrendline'),
  trendlineMetricAccessor: str,
  trendlineTimeAccessor: str,
});

/** lnsDatatable's state. */
export const datatableState: Shape = obj({
  layerId: req(str),
  layerType: req(layerType),
  columns: req(
    arr(
      obj({
        columnId: req(str),
        width: num,
        hidden: bool,
        isTransposed: bool,
        isMetric: bool,
        alignment: oneOf('left', 'right', 'center'),
        colorMode: oneOf('none', 'cell', 'text'),
        palette: any,
      }),
    ),
  ),
  sorting: obj({ columnId: str, direction: req(oneOf('asc', 'desc', 'none')) }),
  rowHeight: oneOf('auto', 'single', 'custom'),
  headerRowHeight: oneOf('auto', 'single', 'custom'),
  rowHeightLines: num,
  paging: obj({ size: req(num), enabled: req(bool) }),
});

/** The state shape of each visualization type kiln writes. */
export const visualizationStates: Readonly<Record<string, Shape>> = {
  lnsXY: xyState,
  lnsPie: pieState,
  lnsMetric: metricState,
  lnsDatatable: datatableState,
};
