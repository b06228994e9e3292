/**
 * Reference names as Kibana looks them up: a dashboard panel by `<panelIndex>:panel_<panelIndex>`
 * (src/plugins/dashboard/common/dashboard_container/persistable_state/dashboard_container_references.ts,
 * 8.x, and the 9.x extraction), a control's data view by `controlGroup_<controlId>:optionsListDataView`
 * (the controls' serializer, 9.x; the 9.x logs sample data), a Lens layer's data view by
 * `indexpattern-datasource-layer-<layerId>` and a saved search's by
 * `kibanaSavedObjectMeta.searchSourceJSON.index` (Kibana's exports).
 */
import { describe, expect, it } from 'vitest';
import { built, dashboardControls, dashboardPanels, lensState, ofType, titleOf } from './built.ts';
import { cite } from './facts/sources.ts';

const byId = new Map(built.map((o) => [o.id, o]));

describe(`dashboards (${cite('panelReferences8')}; ${cite('controlReferences')})`, () => {
  it.each(ofType('dashboard').map((d) => [titleOf(d), d] as const))('%s', (_title, d) => {
    const panels = dashboardPanels(d) as Array<{ panelIndex: string; panelRefName: string; type: string }>;
    const expected = [
      ...panels.map((p) => `${p.panelIndex}:panel_${p.panelIndex}`),
      ...Object.keys(dashboardControls(d)).map((id) => `controlGroup_${id}:optionsListDataView`),
    ];
    expect(d.references.map((r) => r.name)).toEqual(expected);
    for (const p of panels) {
      expect(p.panelRefName).toBe(`panel_${p.panelIndex}`);
      const ref = d.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`)!;
      expect(byId.get(ref.id)?.type).toBe(p.type);
      expect(ref.type).toBe(p.type);
    }
    for (const ref of d.references.filter((r) => r.name.startsWith('controlGroup_'))) {
      expect(byId.get(ref.id)?.type).toBe('index-pattern');
    }
  });
});

describe(`Lens layers (${cite('nginxOtelLens')})`, () => {
  it.each(ofType('lens').map((l) => [titleOf(l), l] as const))('%s', (_title, l) => {
    const layers = Object.keys(lensState(l).datasourceStates.formBased.layers);
    expect(l.references).toEqual(
      layers.map((id) => ({
        type: 'index-pattern',
        id: expect.any(String),
        name: `indexpattern-datasource-layer-${id}`,
      })),
    );
    for (const ref of l.references) expect(byId.get(ref.id)?.type).toBe('index-pattern');
  });
});

describe(`saved searches (${cite('sampleDataLogs9')})`, () => {
  it.each(ofType('search').map((s) => [titleOf(s), s] as const))('%s', (_title, s) => {
    expect(s.references).toHaveLength(1);
    expect(s.references[0]).toMatchObject({
      name: 'kibanaSavedObjectMeta.searchSourceJSON.index',
      type: 'index-pattern',
    });
    expect(byId.get(s.references[0]!.id)?.type).toBe('index-pattern');
  });
});
