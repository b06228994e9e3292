/**
 * Keys and values seen in objects Kibana itself wrote: exports in Elastic's integrations
 * packages and Kibana's own sample data. Each entry names the file it was read from (sources.ts)
 * and lists, in kiln's words, what the file uses at that place. The conformance tests accept a
 * key kiln writes when Kibana's schema or types name it, or when one of these exports uses it at
 * the same place.
 */
import type { SourceName } from './sources.ts';

/** What one export uses at one place of one object type. */
export interface Observation {
  source: SourceName;
  /** Where: `<type>:<place>`, e.g. `lens:column`, `dashboard:attributes`. */
  at: string;
  keys: readonly string[];
  /** Values seen for some keys. */
  values?: Readonly<Record<string, readonly (string | number | boolean)[]>>;
}

/** Everything recorded. */
export const observations: readonly Observation[] = [
  {
    source: 'nginxOtelLens',
    at: 'lens:attributes',
    keys: ['description', 'state', 'title', 'visualizationType'],
    values: { visualizationType: ['lnsXY'] },
  },
  {
    source: 'nginxOtelLens',
    at: 'lens:state',
    keys: ['adHocDataViews', 'datasourceStates', 'filters', 'internalReferences', 'query', 'visualization'],
  },
  {
    source: 'nginxOtelLens',
    at: 'lens:formBasedLayer',
    keys: ['columnOrder', 'columns', 'ignoreGlobalFilters', 'incompleteColumns', 'sampling'],
  },
  {
    source: 'nginxOtelLens',
    at: 'lens:column',
    keys: [
      'customLabel',
      'dataType',
      'isBucketed',
      'label',
      'operationType',
      'params',
      'scale',
      'sourceField',
    ],
    values: {
      operationType: ['unique_count', 'date_histogram'],
      scale: ['ratio', 'interval'],
      dataType: ['number', 'date'],
    },
  },
  { source: 'nginxOtelLens', at: 'lens:params:unique_count', keys: ['emptyAsNull'] },
  {
    source: 'nginxOtelLens',
    at: 'lens:params:date_histogram',
    keys: ['dropPartials', 'includeEmptyRows', 'interval'],
  },
  {
    source: 'nginxOtelLens',
    at: 'lens:lnsXY',
    keys: [
      'axisTitlesVisibilitySettings',
      'fittingFunction',
      'gridlinesVisibilitySettings',
      'labelsOrientation',
      'layers',
      'legend',
      'preferredSeriesType',
      'tickLabelsVisibilitySettings',
      'valueLabels',
    ],
    values: { valueLabels: ['hide'], preferredSeriesType: ['line'], fittingFunction: ['None'] },
  },
  {
    source: 'nginxOtelLens',
    at: 'lens:lnsXY:layer',
    keys: ['accessors', 'layerId', 'layerType', 'seriesType', 'xAccessor', 'yConfig'],
    values: { layerType: ['data'], seriesType: ['line'] },
  },
  {
    source: 'nginxOtelLens',
    at: 'lens:lnsXY:legend',
    keys: ['isVisible', 'position'],
    values: { position: ['right'] },
  },
  {
    source: 'nginxOtelLens',
    at: 'lens:references',
    keys: ['indexpattern-datasource-layer-<layerId>'],
  },
  { source: 'nginxOtelDashboard', at: 'lens:params:max', keys: ['emptyAsNull'] },
  {
    source: 'nginxOtelDashboard',
    at: 'dashboard:attributes',
    keys: [
      'description',
      'kibanaSavedObjectMeta',
      'optionsJSON',
      'panelsJSON',
      'timeRestore',
      'title',
      'version',
    ],
  },
  {
    source: 'nginxOtelDashboard',
    at: 'dashboard:options',
    keys: ['hidePanelTitles', 'syncColors', 'syncCursor', 'syncTooltips', 'useMargins'],
  },
  {
    source: 'nginxOtelDashboard',
    at: 'dashboard:panel',
    keys: ['embeddableConfig', 'gridData', 'panelIndex', 'panelRefName', 'title', 'type'],
    values: { type: ['lens', 'visualization'] },
  },
  { source: 'nginxOtelDashboard', at: 'dashboard:gridData', keys: ['h', 'i', 'w', 'x', 'y'] },
  { source: 'nginxOtelDashboard', at: 'dashboard:references', keys: ['<panelIndex>:panel_<panelIndex>'] },
  {
    source: 'elasticAgentDashboard',
    at: 'dashboard:controlGroupInput',
    keys: ['chainingSystem', 'controlStyle', 'ignoreParentSettingsJSON', 'panelsJSON'],
    values: { chainingSystem: ['HIERARCHICAL'], controlStyle: ['oneLine'] },
  },
  {
    source: 'elasticAgentDashboard',
    at: 'dashboard:ignoreParentSettings',
    keys: ['ignoreFilters', 'ignoreQuery', 'ignoreTimerange', 'ignoreValidations'],
  },
  {
    source: 'elasticAgentDashboard',
    at: 'dashboard:control',
    keys: ['explicitInput', 'grow', 'order', 'type', 'width'],
    values: { type: ['optionsListControl'], width: ['medium'] },
  },
  {
    source: 'elasticAgentDashboard',
    at: 'dashboard:control:explicitInput',
    keys: ['enhancements', 'fieldName', 'grow', 'id', 'searchTechnique', 'selectedOptions', 'title', 'width'],
  },
  {
    source: 'elasticAgentDashboard',
    at: 'lens:lnsMetric',
    keys: ['color', 'layerId', 'layerType', 'metricAccessor', 'showBar', 'subtitle', 'trendlineLayerId'],
  },
  {
    source: 'sampleDataLogs9',
    at: 'dashboard:references',
    keys: [
      '<panelIndex>:panel_<panelIndex>',
      'controlGroup_<controlId>:optionsListDataView',
      'controlGroup_<controlId>:rangeSliderDataView',
    ],
  },
  {
    source: 'sampleDataLogs9',
    at: 'search:attributes',
    keys: [
      'columns',
      'description',
      'hits',
      'isTextBasedQuery',
      'kibanaSavedObjectMeta',
      'sort',
      'timeRestore',
      'title',
      'version',
    ],
  },
  { source: 'sampleDataLogs9', at: 'lens:lnsMetric', keys: ['layerId', 'layerType', 'metricAccessor'] },
  {
    source: 'sampleDataLogs9',
    at: 'lens:lnsDatatable',
    keys: ['columns', 'layerId', 'layerType', 'sorting'],
  },
  {
    source: 'sampleDataLogs9',
    at: 'lens:lnsDatatable:column',
    keys: ['colorMode', 'columnId', 'isMetric', 'isTransposed', 'palette', 'width'],
  },
  {
    source: 'sampleDataEcommerce9',
    at: 'index-pattern:attributes',
    keys: [
      'fieldAttrs',
      'fieldFormatMap',
      'fields',
      'name',
      'runtimeFieldMap',
      'timeFieldName',
      'title',
      'typeMeta',
    ],
  },
  {
    // The same data view attributes, as the logs sample's ad-hoc data views spell them.
    source: 'sampleDataLogs9',
    at: 'index-pattern:attributes',
    keys: ['allowNoIndex', 'name', 'runtimeFieldMap', 'sourceFilters', 'timeFieldName', 'title'],
  },
];

/** The keys seen at a place, over every export. */
export function keysSeenAt(at: string): Set<string> {
  return new Set(observations.filter((o) => o.at === at).flatMap((o) => o.keys));
}
