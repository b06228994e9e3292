/**
 * A dashboard saved object: panels laid out left to right on Kibana's 48-column grid, each
 * referring to its Lens or search object by `panelRefName` (resolved through `references` as
 * `<panelIndex>:panel_<panelIndex>`), and the options-list controls in `controlGroupInput`
 * (each with a `controlGroup_<id>:optionsListDataView` reference). Only keys Kibana 8.9 knows:
 * its dashboard schema refuses anything else in controlGroupInput (showApplySelections came with
 * model version 2 in 8.14; absent, selections apply at once on every version), and searchTechnique
 * is left to each version's default.
 */

import type { ControlSpec, DashboardSpec } from '../spec/types.ts';
import { dataViewId } from './data-view.ts';
import { type SavedObject, type SavedObjectReference, savedObject } from './types.ts';

const gridColumns = 48;

/** Grid positions for panels of the given sizes, filled row by row. */
export function layoutPanels(
  sizes: ReadonlyArray<{ width?: number; height?: number }>,
): Array<{ x: number; y: number; w: number; h: number }> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return sizes.map((size) => {
    const w = Math.min(size.width ?? 24, gridColumns);
    const h = size.height ?? 15;
    if (x + w > gridColumns) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return placed;
  });
}

function controlGroup(
  prefix: string,
  controls: readonly ControlSpec[],
): {
  input: Record<string, unknown>;
  references: SavedObjectReference[];
} {
  const panels: Record<string, unknown> = {};
  const references: SavedObjectReference[] = [];
  controls.forEach((control, order) => {
    panels[control.key] = {
      order,
      width: 'medium',
      grow: true,
      type: 'optionsListControl',
      explicitInput: {
        id: control.key,
        fieldName: control.field,
        title: control.title,
        singleSelect: control.singleSelect,
        selectedOptions: [],
        sort: { by: '_key', direction: 'asc' },
        enhancements: {},
      },
    };
    references.push({
      name: `controlGroup_${control.key}:optionsListDataView`,
      type: 'index-pattern',
      id: dataViewId(prefix, control.dataView),
    });
  });
  return {
    input: {
      controlStyle: 'oneLine',
      chainingSystem: 'HIERARCHICAL',
      ignoreParentSettingsJSON: JSON.stringify({
        ignoreFilters: false,
        ignoreQuery: false,
        ignoreTimerange: false,
        ignoreValidations: false,
      }),
      panelsJSON: JSON.stringify(panels),
    },
    references,
  };
}

/** The dashboard object; `panelObjects[i]` is the saved object of `spec.panels[i]`. */
export function dashboardObject(
  prefix: string,
  id: string,
  spec: DashboardSpec,
  panelObjects: readonly SavedObject[],
): SavedObject {
  const positions = layoutPanels(spec.panels);
  const references: SavedObjectReference[] = [];
  const panels = spec.panels.map((panel, i) => {
    const panelIndex = panel.key;
    const target = panelObjects[i]!;
    references.push({ name: `${panelIndex}:panel_${panelIndex}`, type: target.type, id: target.id });
    return {
      version: '8.9.0',
      type: target.type,
      gridData: { ...positions[i]!, i: panelIndex },
      panelIndex,
      embeddableConfig: { enhancements: {} },
      panelRefName: `panel_${panelIndex}`,
    };
  });
  const controls =
    spec.controls && spec.controls.length > 0 ? controlGroup(prefix, spec.controls) : undefined;
  if (controls) references.push(...controls.references);
  return savedObject(
    'dashboard',
    id,
    {
      title: spec.title,
      description: spec.description,
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({
        useMargins: true,
        syncColors: false,
        syncCursor: true,
        syncTooltips: false,
        hidePanelTitles: false,
      }),
      timeRestore: false,
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { language: 'kuery', query: '' }, filter: [] }),
      },
      ...(controls ? { controlGroupInput: controls.input } : {}),
    },
    references,
  );
}
