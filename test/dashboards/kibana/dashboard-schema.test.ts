/**
 * kiln's dashboards against the dashboard schema each supported Kibana applies on import
 * (facts/dashboard.ts): 8.9 — src/plugins/dashboard/common/content_management/v1/cm_services.ts;
 * 8.14–8.19 — model version 2 (src/plugins/… and src/platform/…/schema/v2/v2.ts); 9.x — model
 * versions 3 and 4 (src/platform/…/schema/v3, v4). The JSON inside (panels, options, controls) is
 * checked against the dashboard's and the options list's own types and Kibana's exports.
 */
import { describe, expect, it } from 'vitest';
import { dashboardControls, dashboardPanels, ofType, titleOf } from './built.ts';
import {
  controlGroupValues,
  dashboardAttributes,
  ignoreParentSettingsShape,
  kibanaLines,
  optionsListControlShape,
  optionsShape,
  panelShape,
} from './facts/dashboard.ts';
import { cite } from './facts/sources.ts';
import { check } from './shape.ts';

const dashboards = ofType('dashboard');

describe.each(kibanaLines)('dashboard attributes on Kibana %s', (line) => {
  it.each(dashboards.map((d) => [titleOf(d), d] as const))('%s passes the import schema', (_title, d) => {
    expect(check(d.attributes, dashboardAttributes[line], 'attributes')).toEqual([]);
  });
});

describe(`Kibana 8.9 refuses what it does not know (${cite('dashboardSchema89')})`, () => {
  const investigation = dashboards.find((d) => titleOf(d) === '[kiln] Instance investigation')!;

  it('kiln’s investigation dashboard has a control group, so the strict inner schema applies', () => {
    expect(Object.keys(investigation.attributes.controlGroupInput as object).sort()).toEqual([
      'chainingSystem',
      'controlStyle',
      'ignoreParentSettingsJSON',
      'panelsJSON',
    ]);
  });

  it('the rule has teeth: showApplySelections (model version 2) is refused by 8.9 and accepted by 8.14', () => {
    const withApply = {
      ...investigation.attributes,
      controlGroupInput: {
        ...(investigation.attributes.controlGroupInput as object),
        showApplySelections: false,
      },
    };
    expect(check(withApply, dashboardAttributes['8.9'], 'attributes')).toEqual([
      'attributes.controlGroupInput.showApplySelections: unknown key (the object is refused)',
    ]);
    expect(check(withApply, dashboardAttributes['8.14'], 'attributes')).toEqual([]);
  });
});

describe('what the dashboard JSON strings hold', () => {
  it.each(dashboards.map((d) => [titleOf(d), d] as const))('%s: panels, grid and options', (_title, d) => {
    const panels = dashboardPanels(d);
    expect(panels.length).toBeGreaterThan(0);
    for (const [i, panel] of panels.entries()) expect(check(panel, panelShape, `panels[${i}]`)).toEqual([]);
    expect(check(JSON.parse(String(d.attributes.optionsJSON)), optionsShape, 'options')).toEqual([]);
    expect(
      JSON.parse(
        String((d.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON),
      ),
    ).toEqual({ query: { language: 'kuery', query: '' }, filter: [] });
  });

  it.each(dashboards.map((d) => [titleOf(d), d] as const))(
    '%s: panel ids are unique and each grid id is its panel id',
    (_title, d) => {
      const panels = dashboardPanels(d) as Array<{ panelIndex: string; gridData: { i: string } }>;
      expect(new Set(panels.map((p) => p.panelIndex)).size).toBe(panels.length);
      for (const p of panels) expect(p.gridData.i).toBe(p.panelIndex);
    },
  );

  it(`controls are options lists Kibana reads (${cite('optionsListInput')}; ${cite('elasticAgentDashboard')})`, () => {
    const withControls = dashboards.filter((d) => d.attributes.controlGroupInput !== undefined);
    expect(withControls.map(titleOf)).toEqual(['[kiln] Instance investigation']);
    for (const d of withControls) {
      const input = d.attributes.controlGroupInput as Record<string, string>;
      expect(controlGroupValues.controlStyle).toContain(input.controlStyle);
      expect(controlGroupValues.chainingSystem).toContain(input.chainingSystem);
      expect(
        check(input.ignoreParentSettingsJSON, ignoreParentSettingsShape, 'ignoreParentSettingsJSON'),
      ).toEqual([]);
      const controls = Object.entries(dashboardControls(d));
      expect(controls).toHaveLength(1);
      for (const [id, control] of controls) {
        expect(check(control, optionsListControlShape, `controls.${id}`)).toEqual([]);
        expect((control.explicitInput as { id: string }).id).toBe(id);
      }
    }
  });
});
