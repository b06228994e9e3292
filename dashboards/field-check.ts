/**
 * Checks every field a panel or control uses against kiln's own index templates: it must exist
 * in each family of the data view that has it, with one type across them (Kibana marks a field
 * with two types as a conflict), and the type must fit the use — aggregatable for terms, sort and
 * controls, numeric for ranges and averages, date for histograms and time fields. Run by
 * `kiln dashboards build`, so a renamed field fails the build instead of an empty panel.
 */
import { buildIndexTemplate } from '../collector/storage/templates/index-templates.ts';
import { indexNames } from '../lib/indices.ts';
import { visualizationColumns } from './saved-objects/lens.ts';
import { dataViews } from './spec/data-views.ts';
import type { DashboardSpec, DataViewKey, PanelSpec } from './spec/types.ts';

/** How a field is used, which decides the types that fit. */
export type FieldUse = 'aggregatable' | 'numeric' | 'date' | 'searchable' | 'shown';

/** One use of one field by one panel or control. */
export interface FieldUsage {
  where: string;
  dataView: DataViewKey;
  field: string;
  use: FieldUse;
}

const numericTypes = ['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float'];
const fitting: Record<FieldUse, readonly string[]> = {
  aggregatable: ['keyword', 'boolean', 'date', 'ip', ...numericTypes],
  numeric: numericTypes,
  date: ['date'],
  searchable: ['keyword', 'boolean', 'date', 'ip', 'text', ...numericTypes],
  shown: ['keyword', 'boolean', 'date', 'ip', 'text', 'flattened', 'stored_only', ...numericTypes],
};

function panelUsages(dashboard: string, panel: PanelSpec): FieldUsage[] {
  const where = `${dashboard} / ${panel.title}`;
  const use = (field: string, kind: FieldUse): FieldUsage => ({
    where,
    dataView: panel.dataView,
    field,
    use: kind,
  });
  const usages: FieldUsage[] = (panel.where ?? []).map((c) =>
    use(c.field, 'atLeast' in c ? 'numeric' : 'searchable'),
  );
  const timeField = dataViews[panel.dataView].timeField;
  if (timeField) usages.push(use(timeField, 'date'));
  if (panel.type === 'search') {
    usages.push(...panel.columns.map((c) => use(c, 'shown')));
    usages.push(...panel.sort.map(([field]) => use(field, 'aggregatable')));
    return usages;
  }
  const { buckets, metrics } = visualizationColumns(panel.vis);
  for (const b of buckets) {
    usages.push(use(b.field, b.op === 'terms' ? 'aggregatable' : b.op === 'range' ? 'numeric' : 'date'));
  }
  for (const m of metrics) {
    if (m.op === 'count') continue;
    usages.push(use(m.field, m.op === 'unique_count' ? 'aggregatable' : 'numeric'));
  }
  return usages;
}

/** Every field use of the dashboards (panels, conditions, controls, time fields). */
export function dashboardFieldUsages(dashboards: readonly DashboardSpec[]): FieldUsage[] {
  return dashboards.flatMap((d) => [
    ...(d.controls ?? []).map(
      (c): FieldUsage => ({
        where: `${d.title} / control ${c.title}`,
        dataView: c.dataView,
        field: c.field,
        use: 'aggregatable',
      }),
    ),
    ...d.panels.flatMap((p) => panelUsages(d.title, p)),
  ]);
}

/** The mapped type of a dotted field in a `properties` tree; undefined when not mapped. */
export function mappedType(properties: Record<string, unknown>, field: string): string | undefined {
  let node: Record<string, unknown> | undefined = { properties };
  for (const part of field.split('.')) {
    const props = node?.properties as Record<string, Record<string, unknown>> | undefined;
    node = props?.[part];
    if (!node) return undefined;
  }
  const mapping = node as { type?: string; index?: boolean; doc_values?: boolean; properties?: unknown };
  if (mapping.properties) return 'object';
  // A field kept only in _source (index and doc_values off) can be shown but not searched.
  if (mapping.index === false && mapping.doc_values === false) return 'stored_only';
  return mapping.type;
}

/** The mapped type of a field in each family of a data view (families without it are left out). */
export function dataViewFieldTypes(dataView: DataViewKey, field: string): Map<string, string> {
  const names = indexNames('kiln');
  const types = new Map<string, string>();
  for (const family of dataViews[dataView].families) {
    const mappings = buildIndexTemplate(names, family).body.template.mappings as {
      properties: Record<string, unknown>;
    };
    const type = mappedType(mappings.properties, field);
    if (type) types.set(family, type);
  }
  return types;
}

/** The problems with the dashboards' fields, one sentence each; empty when all fit. */
export function checkDashboardFields(dashboards: readonly DashboardSpec[]): string[] {
  const problems: string[] = [];
  for (const usage of dashboardFieldUsages(dashboards)) {
    const types = dataViewFieldTypes(usage.dataView, usage.field);
    const distinct = [...new Set(types.values())];
    const label = `${usage.where}: field ${usage.field} (data view ${usage.dataView})`;
    if (distinct.length === 0) problems.push(`${label} is not in kiln's index templates`);
    else if (distinct.length > 1)
      problems.push(`${label} has conflicting types ${[...types].map(([f, t]) => `${f}=${t}`).join(', ')}`);
    else if (!fitting[usage.use].includes(distinct[0]!))
      problems.push(`${label} is mapped as ${distinct[0]}, which does not fit its use (${usage.use})`);
  }
  return [...new Set(problems)];
}
