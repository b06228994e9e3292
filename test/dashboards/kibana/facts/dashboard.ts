/**
 * The dashboard saved object as each supported Kibana validates it on import, restated from its
 * schemas. On import Kibana migrates the object up to its own newest version, then checks the
 * attributes against the schema of that version (typeValidator): on 8.9 that is the schema
 * registered for 8.9.0, from 8.14 on the `create` schema of the newest model version.
 *
 * - 8.9 (dashboardSchema89): unknown keys are refused, at the top and inside controlGroupInput,
 *   whose only keys are four strings.
 * - 8.14–8.19 (dashboardType814, dashboardSchemaV2Plugins, dashboardSchemaV2Platform): model
 *   version 2 adds controlGroupInput.showApplySelections; from there on unknown keys are dropped.
 * - 9.x (dashboardType9, V1/V3/V4 platform schemas): model version 3 adds `sections`, 4 adds
 *   `projectRouting`; kibanaSavedObjectMeta, panelsJSON and optionsJSON became optional.
 *
 * What sits inside the JSON strings (panels, options, controls) is not schema-checked by the saved
 * objects service; its shape is restated from the dashboard's own types and the exports in
 * exports.ts, and checked by dashboard-schema.test.ts as well.
 */
import { any, arr, bool, extend, json, num, obj, oneOf, opt, req, type Shape, str } from '../shape.ts';

/** The Kibana releases kiln claims, grouped by the dashboard schema they apply. */
export const kibanaLines = ['8.9', '8.14', '8.19', '9.x'] as const;
/** One of them. */
export type KibanaLine = (typeof kibanaLines)[number];

const refreshInterval = obj({ pause: req(bool), value: req(num), display: str, section: num });

/** controlGroupInput on 8.9: four optional strings, nothing else. */
const controlGroupInput89 = obj({
  panelsJSON: str,
  controlStyle: str,
  chainingSystem: str,
  ignoreParentSettingsJSON: str,
});

/** The 8.9 attributes: unknown keys refused. */
const attributes89 = obj({
  title: req(str),
  description: str,
  kibanaSavedObjectMeta: req(obj({ searchSourceJSON: str })),
  timeRestore: bool,
  timeFrom: str,
  timeTo: str,
  refreshInterval,
  controlGroupInput: controlGroupInput89,
  panelsJSON: str,
  optionsJSON: str,
  hits: num,
  version: num,
});

/** Model version 2 (8.14 on): showApplySelections joins controlGroupInput, unknown keys dropped. */
const attributesMv2 = extend(
  attributes89,
  { controlGroupInput: extend(controlGroupInput89, { showApplySelections: bool }, 'ignore') },
  'ignore',
);

/** Model versions 3 and 4 (9.x): sections, projectRouting; the JSON strings are optional. */
const attributes9 = extend(
  attributesMv2,
  {
    kibanaSavedObjectMeta: opt(obj({ searchSourceJSON: str })),
    sections: arr(
      obj({ title: req(str), collapsed: bool, gridData: req(obj({ y: req(num), i: req(str) })) }),
    ),
    projectRouting: str,
  },
  'ignore',
);

/** The attributes schema each Kibana applies to an imported dashboard. */
export const dashboardAttributes: Readonly<Record<KibanaLine, Shape>> = {
  '8.9': attributes89,
  '8.14': attributesMv2,
  '8.19': attributesMv2,
  '9.x': attributes9,
};

/**
 * One panel in panelsJSON: grid position (x, y, w, h, i, and sectionId from 9.x) in the
 * 48-column grid, the panel's id, its type, its embeddable config, and the name of its reference.
 * Keys as the dashboard writes them (nginxOtelDashboard, sampleDataLogs9); grid data from the
 * platform v2/v3 schemas.
 */
export const panelShape: Shape = obj({
  version: str,
  type: req(str),
  gridData: req(obj({ x: req(num), y: req(num), w: req(num), h: req(num), i: req(str), sectionId: str })),
  panelIndex: req(str),
  embeddableConfig: req(obj({ enhancements: any, hidePanelTitles: bool, title: str }, 'forbid')),
  panelRefName: str,
  title: str,
});

/** optionsJSON: the five switches every export carries (nginxOtelDashboard, elasticAgentDashboard). */
export const optionsShape: Shape = obj({
  useMargins: bool,
  syncColors: bool,
  syncCursor: bool,
  syncTooltips: bool,
  hidePanelTitles: bool,
});

/**
 * An options-list control in controlGroupInput.panelsJSON (elasticAgentDashboard), with the input
 * keys the 8.9-era options list reads (optionsListInput) — searchTechnique came later, so it is
 * left out of what kiln may write.
 */
export const optionsListControlShape: Shape = obj({
  order: req(num),
  width: oneOf('small', 'medium', 'large'),
  grow: bool,
  type: req(oneOf('optionsListControl')),
  explicitInput: req(
    obj({
      id: req(str),
      fieldName: req(str),
      title: str,
      selectedOptions: arr(str),
      singleSelect: bool,
      runPastTimeout: bool,
      existsSelected: bool,
      exclude: bool,
      hideActionBar: bool,
      hideExclude: bool,
      hideExists: bool,
      hideSort: bool,
      placeholder: str,
      sort: obj({ by: req(oneOf('_count', '_key')), direction: req(oneOf('asc', 'desc')) }),
      enhancements: any,
    }),
  ),
});

/** ignoreParentSettingsJSON: the four switches, as every export writes them. */
export const ignoreParentSettingsShape: Shape = json(
  obj({ ignoreFilters: bool, ignoreQuery: bool, ignoreTimerange: bool, ignoreValidations: bool }),
);

/** The control group's own settings, as the exports write them (elasticAgentDashboard). */
export const controlGroupValues = {
  controlStyle: ['oneLine'],
  chainingSystem: ['HIERARCHICAL'],
} as const;
