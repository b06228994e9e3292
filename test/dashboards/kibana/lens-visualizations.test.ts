/**
 * kiln's Lens visualization states against Lens's persisted state types (facts/lens-visualizations.ts):
 * lnsXY from x-pack/plugins/lens/public/visualizations/xy/types.ts, lnsPie and value labels from
 * x-pack/plugins/lens/common/types.ts (8.6–8.10 and the 8.14–9.x form), lnsMetric and
 * lnsDatatable from Kibana's own exports (elastic_agent dashboards, 9.x sample data).
 */
import { describe, expect, it } from 'vitest';
import { lensState, ofType, titleOf } from './built.ts';
import { lensAttributesShape, lensStateShape } from './facts/lens-columns.ts';
import { visualizationStates } from './facts/lens-visualizations.ts';
import { cite } from './facts/sources.ts';
import { check } from './shape.ts';

const lenses = ofType('lens');
const cases = lenses.map((l) => [titleOf(l), l] as const);

it('kiln uses the four chart types: 10 XY, 3 pie, 5 metric, 4 table', () => {
  const counts: Record<string, number> = {};
  for (const l of lenses)
    counts[String(l.attributes.visualizationType)] =
      (counts[String(l.attributes.visualizationType)] ?? 0) + 1;
  expect(counts).toEqual({ lnsXY: 10, lnsPie: 3, lnsMetric: 5, lnsDatatable: 4 });
});

describe(`the Lens attributes and state (${cite('nginxOtelLens')})`, () => {
  it.each(cases)('%s', (_title, lens) => {
    expect(check(lens.attributes, lensAttributesShape, 'attributes')).toEqual([]);
    expect(check(lens.attributes.state, lensStateShape, 'state')).toEqual([]);
  });
});

describe('each visualization state has the shape Lens persists', () => {
  it.each(cases)('%s', (_title, lens) => {
    const type = String(lens.attributes.visualizationType);
    expect(check(lensState(lens).visualization, visualizationStates[type]!, type)).toEqual([]);
  });
});

/** The column ids a visualization state points at, by role. */
function accessorsOf(type: string, vis: Record<string, unknown>): { layers: string[]; columns: string[] } {
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : v === undefined ? [] : [v as string]);
  switch (type) {
    case 'lnsXY':
    case 'lnsPie': {
      const layers = vis.layers as Array<Record<string, unknown>>;
      return {
        layers: layers.map((l) => String(l.layerId)),
        columns: layers.flatMap((l) => [
          ...list(l.accessors),
          ...list(l.xAccessor),
          ...list(l.splitAccessor),
          ...list(l.primaryGroups),
          ...list(l.metrics),
        ]),
      };
    }
    case 'lnsMetric':
      return { layers: [String(vis.layerId)], columns: list(vis.metricAccessor) };
    default:
      return {
        layers: [String(vis.layerId)],
        columns: (vis.columns as Array<{ columnId: string }>).map((c) => c.columnId),
      };
  }
}

describe('every accessor names a column of the layer it names, and every column is shown', () => {
  it.each(cases)('%s', (_title, lens) => {
    const state = lensState(lens);
    const { layers, columns } = accessorsOf(String(lens.attributes.visualizationType), state.visualization);
    expect(layers).toEqual(Object.keys(state.datasourceStates.formBased.layers));
    const layer = state.datasourceStates.formBased.layers[layers[0]!]!;
    expect([...columns].sort()).toEqual(Object.keys(layer.columns).sort());
  });
});

describe(`XY charts: the legend shows when there is a breakdown (${cite('lensXyTypes')})`, () => {
  it.each(cases.filter(([, l]) => l.attributes.visualizationType === 'lnsXY'))('%s', (_title, lens) => {
    const vis = lensState(lens).visualization as {
      legend: { isVisible: boolean };
      layers: Array<{ splitAccessor?: string }>;
    };
    expect(vis.legend.isVisible).toBe(vis.layers[0]!.splitAccessor !== undefined);
  });
});
