/** The built saved-objects NDJSON: it parses, every reference resolves, ids are stable and unique. */
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../../../dashboards/index.ts';
import { savedObjectId, uuidV5 } from '../../../dashboards/saved-objects/ids.ts';
import type { SavedObject } from '../../../dashboards/saved-objects/types.ts';
import { defaultBuildOptions } from '../../../dashboards/spec/index.ts';

const built = buildDashboards(defaultBuildOptions);
const parsed: SavedObject[] = built.ndjson
  .trimEnd()
  .split('\n')
  .map((line) => JSON.parse(line));
const byId = new Map(parsed.map((o) => [o.id, o]));

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector (www.example.com in the DNS namespace)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('differs by prefix, so two installations never overwrite each other', () => {
    expect(savedObjectId('kiln', 'data-view:logs')).not.toBe(savedObjectId('prod', 'data-view:logs'));
  });
});

describe('the built NDJSON', () => {
  it('holds 8 data views, 22 Lens visualizations, 11 saved searches and 4 dashboards, one object per line', () => {
    expect(built.counts).toEqual({ 'index-pattern': 8, lens: 22, search: 11, dashboard: 4 });
    expect(parsed).toHaveLength(45);
    expect(built.ndjson.endsWith('}\n')).toBe(true);
  });

  it('is byte-identical across builds, and ids are unique', () => {
    expect(buildDashboards(defaultBuildOptions).ndjson).toBe(built.ndjson);
    expect(byId.size).toBe(parsed.length);
  });

  it('carries migration versions Kibana 8.9+ reads', () => {
    for (const o of parsed) {
      expect(o.coreMigrationVersion).toBe('8.8.0');
      expect(o.typeMigrationVersion).toBe(
        { 'index-pattern': '8.0.0', search: '8.0.0', lens: '8.9.0', dashboard: '8.9.0' }[o.type],
      );
    }
  });

  it('resolves every reference to an object of the named type in the same file', () => {
    let checked = 0;
    for (const o of parsed) {
      for (const ref of o.references) {
        expect(byId.get(ref.id)?.type, `${o.type} ${o.attributes.title} → ${ref.name}`).toBe(ref.type);
        checked++;
      }
    }
    expect(checked).toBe(22 + 11 + 33 + 1);
  });

  it('names references the way each object type looks them up', () => {
    for (const o of parsed.filter((x) => x.type === 'lens')) {
      const layers = Object.keys((o.attributes.state as any).datasourceStates.formBased.layers);
      expect(o.references.map((r) => r.name)).toEqual(
        layers.map((l) => `indexpattern-datasource-layer-${l}`),
      );
    }
    for (const o of parsed.filter((x) => x.type === 'search')) {
      const source = JSON.parse((o.attributes.kibanaSavedObjectMeta as any).searchSourceJSON);
      expect(o.references.map((r) => r.name)).toEqual([source.indexRefName]);
    }
    for (const o of parsed.filter((x) => x.type === 'dashboard')) {
      const panels = JSON.parse(o.attributes.panelsJSON as string) as Array<{
        panelIndex: string;
        panelRefName: string;
      }>;
      const names = new Set(o.references.map((r) => r.name));
      for (const p of panels) expect(names.has(`${p.panelIndex}:${p.panelRefName}`)).toBe(true);
      const controls = o.attributes.controlGroupInput as { panelsJSON: string } | undefined;
      for (const key of Object.keys(controls ? JSON.parse(controls.panelsJSON) : {})) {
        expect(names.has(`controlGroup_${key}:optionsListDataView`)).toBe(true);
      }
    }
  });

  it('puts the instance control on cloud.instance.id on the investigation dashboard', () => {
    const dashboard = parsed.find((o) => o.attributes.title === '[kiln] Instance investigation')!;
    const controls = JSON.parse(
      (dashboard.attributes.controlGroupInput as { panelsJSON: string }).panelsJSON,
    );
    expect(controls.instance.type).toBe('optionsListControl');
    expect(controls.instance.explicitInput.fieldName).toBe('cloud.instance.id');
    expect(controls.instance.explicitInput.singleSelect).toBe(true);
  });

  it('titles every visualization, search and dashboard "[kiln] …" and describes it', () => {
    for (const o of parsed.filter((x) => x.type !== 'index-pattern')) {
      expect(o.attributes.title).toMatch(/^\[kiln\] \S/);
      expect(String(o.attributes.description).length).toBeGreaterThan(20);
    }
  });

  it('points the data views at the prefix, the registry without a time field', () => {
    const titles = parsed
      .filter((o) => o.type === 'index-pattern')
      .map((o) => [o.attributes.title, o.attributes.timeFieldName ?? null]);
    expect(titles).toEqual([
      ['kiln-logs-*', '@timestamp'],
      ['kiln-facts-*', '@timestamp'],
      ['kiln-lifecycle-*', '@timestamp'],
      ['kiln-drift-*', '@timestamp'],
      ['kiln-actions-*', '@timestamp'],
      ['kiln-facts-*,kiln-lifecycle-*,kiln-drift-*,kiln-actions-*', '@timestamp'],
      ['kiln-registry', null],
      ['kiln-bakes', '@timestamp'],
    ]);
    const prod = buildDashboards({ ...defaultBuildOptions, indexPrefix: 'prod' }).objects;
    expect(prod[0]!.attributes.title).toBe('prod-logs-*');
  });

  it('lays dashboard panels on the 48-column grid without overlaps', () => {
    for (const o of parsed.filter((x) => x.type === 'dashboard')) {
      const grid = (JSON.parse(o.attributes.panelsJSON as string) as Array<{ gridData: any }>).map(
        (p) => p.gridData,
      );
      for (const [i, a] of grid.entries()) {
        expect(a.x + a.w).toBeLessThanOrEqual(48);
        for (const b of grid.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${a.i} overlaps ${b.i}`).toBe(false);
        }
      }
    }
  });
});
