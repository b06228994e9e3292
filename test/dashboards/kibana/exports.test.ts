/**
 * Every key kiln writes, at every place, is one Kibana's schemas or types name (facts/*.ts) or one
 * Kibana's own exports use at the same place (facts/exports.ts: elastic/integrations nginx and
 * elastic_agent packages, Kibana 9.x sample data). A key found in neither is a key Kibana may
 * refuse, drop, or misread.
 */
import { describe, expect, it } from 'vitest';
import { built, dashboardControls, dashboardPanels, lensColumns, lensState, ofType } from './built.ts';
import { dashboardAttributes, optionsListControlShape, optionsShape, panelShape } from './facts/dashboard.ts';
import { keysSeenAt, observations } from './facts/exports.ts';
import {
  columnShapes,
  formBasedLayerShape,
  lensAttributesShape,
  lensStateShape,
} from './facts/lens-columns.ts';
import { visualizationStates } from './facts/lens-visualizations.ts';
import { savedSearchAttributes } from './facts/saved-search.ts';
import { sources } from './facts/sources.ts';
import { keysOf, type Shape } from './shape.ts';

/** The keys kiln writes at a place, over all its objects. */
function kilnKeys(values: ReadonlyArray<Record<string, unknown>>): string[] {
  return [...new Set(values.flatMap((v) => Object.keys(v)))].sort();
}

const lenses = ofType('lens');
const dashboards = ofType('dashboard');
const places: Array<{ at: string; written: string[]; schema?: Shape }> = [
  {
    at: 'dashboard:attributes',
    written: kilnKeys(dashboards.map((d) => d.attributes)),
    schema: dashboardAttributes['8.9'],
  },
  { at: 'dashboard:panel', written: kilnKeys(dashboards.flatMap(dashboardPanels)), schema: panelShape },
  {
    at: 'dashboard:options',
    written: kilnKeys(dashboards.map((d) => JSON.parse(String(d.attributes.optionsJSON)))),
    schema: optionsShape,
  },
  {
    at: 'dashboard:control',
    written: kilnKeys(dashboards.flatMap((d) => Object.values(dashboardControls(d)))),
    schema: optionsListControlShape,
  },
  {
    at: 'dashboard:control:explicitInput',
    written: kilnKeys(
      dashboards.flatMap((d) =>
        Object.values(dashboardControls(d)).map((c) => c.explicitInput as Record<string, unknown>),
      ),
    ),
    schema: (optionsListControlShape as Extract<Shape, { kind: 'object' }>).keys.explicitInput!.shape,
  },
  {
    at: 'search:attributes',
    written: kilnKeys(ofType('search').map((s) => s.attributes)),
    schema: savedSearchAttributes['8.9'],
  },
  { at: 'lens:attributes', written: kilnKeys(lenses.map((l) => l.attributes)), schema: lensAttributesShape },
  {
    at: 'lens:state',
    written: kilnKeys(lenses.map((l) => l.attributes.state as Record<string, unknown>)),
    schema: lensStateShape,
  },
  {
    at: 'lens:formBasedLayer',
    written: kilnKeys(
      lenses.flatMap((l) => Object.values(lensState(l).datasourceStates.formBased.layers) as never),
    ),
    schema: formBasedLayerShape,
  },
  { at: 'index-pattern:attributes', written: kilnKeys(ofType('index-pattern').map((o) => o.attributes)) },
];
for (const type of ['lnsXY', 'lnsPie', 'lnsMetric', 'lnsDatatable']) {
  places.push({
    at: `lens:${type}`,
    written: kilnKeys(
      lenses.filter((l) => l.attributes.visualizationType === type).map((l) => lensState(l).visualization),
    ),
    schema: visualizationStates[type],
  });
}
for (const op of new Set(lensColumns().map((c) => c.column.operationType))) {
  const ofOp = lensColumns().filter((c) => c.column.operationType === op);
  places.push({
    at: 'lens:column',
    written: kilnKeys(ofOp.map((c) => c.column as never)),
    ...(columnShapes[op] ? { schema: columnShapes[op] } : {}),
  });
  const params = (columnShapes[op] as Extract<Shape, { kind: 'object' }> | undefined)?.keys.params?.shape;
  places.push({
    at: `lens:params:${op}`,
    written: kilnKeys(ofOp.map((c) => c.column.params ?? {})),
    ...(params ? { schema: params } : {}),
  });
}

describe('each key kiln writes is named by Kibana’s schema or types, or used by Kibana’s exports there', () => {
  it.each(places.map((p) => [`${p.at} (${p.written.length} keys)`, p] as const))('%s', (_name, place) => {
    const known = new Set([...keysSeenAt(place.at), ...(place.schema ? keysOf(place.schema) : [])]);
    expect(place.written.filter((key) => !known.has(key))).toEqual([]);
  });
});

describe('the recorded exports', () => {
  it('name only sources that are recorded', () => {
    for (const o of observations) expect(sources[o.source], o.at).toBeDefined();
  });

  it('cover every place kiln writes, so no place is judged by kiln’s own idea alone', () => {
    const seen = new Set(observations.map((o) => o.at));
    const unseen = places.map((p) => p.at).filter((at) => !seen.has(at) && !at.startsWith('lens:params:'));
    expect(unseen).toEqual(['lens:lnsPie']);
    expect(built.length).toBe(45);
  });
});
