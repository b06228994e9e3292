/**
 * kiln's data views. Event families are time-based (`@timestamp`); the registry is a state index
 * with no time field, so the fleet panels show the current state whatever the time picker says.
 * `timeline` joins the per-instance event families so one list shows an instance's life in order.
 */
import { indexNames } from '../../lib/indices.ts';
import type { DataViewKey, DataViewSpec } from './types.ts';

/** Every data view kiln ships. */
export const dataViews: Readonly<Record<DataViewKey, DataViewSpec>> = {
  logs: { key: 'logs', name: 'kiln logs', families: ['logs'], timeField: '@timestamp' },
  facts: { key: 'facts', name: 'kiln boot facts', families: ['facts'], timeField: '@timestamp' },
  lifecycle: {
    key: 'lifecycle',
    name: 'kiln lifecycle',
    families: ['lifecycle'],
    timeField: '@timestamp',
  },
  drift: { key: 'drift', name: 'kiln drift', families: ['drift'], timeField: '@timestamp' },
  actions: { key: 'actions', name: 'kiln decisions', families: ['actions'], timeField: '@timestamp' },
  timeline: {
    key: 'timeline',
    name: 'kiln instance timeline',
    families: ['facts', 'lifecycle', 'drift', 'actions'],
    timeField: '@timestamp',
  },
  registry: { key: 'registry', name: 'kiln fleet registry', families: ['registry'] },
  bakes: { key: 'bakes', name: 'kiln bakes', families: ['bakes'], timeField: '@timestamp' },
};

/** The index pattern a data view covers under a prefix (`kiln-logs-*`, or a comma list). */
export function dataViewPattern(key: DataViewKey, prefix: string): string {
  const names = indexNames(prefix);
  return dataViews[key].families.map((family) => names.pattern(family)).join(',');
}
