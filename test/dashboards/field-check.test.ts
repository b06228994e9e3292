/** Every field the dashboards use exists in kiln's index templates with a type that fits its use. */
import { describe, expect, it } from 'vitest';
import {
  checkDashboardFields,
  dashboardFieldUsages,
  dataViewFieldTypes,
} from '../../dashboards/field-check.ts';
import { allDashboards } from '../../dashboards/spec/index.ts';
import type { DashboardSpec, PanelSpec } from '../../dashboards/spec/types.ts';

const one = (panel: PanelSpec): DashboardSpec[] => [
  { key: 'd', title: '[kiln] T', description: 'test', panels: [panel] },
];

describe('checkDashboardFields', () => {
  it("finds no problem in kiln's dashboards", () => {
    expect(checkDashboardFields(allDashboards())).toEqual([]);
  });

  it('checks every use (controls, conditions, buckets, metrics, columns, sort, time fields)', () => {
    const usages = dashboardFieldUsages(allDashboards());
    expect(usages.length).toBe(155);
    expect(usages).toContainEqual({
      where: '[kiln] Instance investigation / control Instance',
      dataView: 'registry',
      field: 'cloud.instance.id',
      use: 'aggregatable',
    });
  });

  it.each([
    [
      'a field no template maps',
      { op: 'terms', field: 'kiln.nope', size: 5 },
      "field kiln.nope (data view drift) is not in kiln's index templates",
    ],
    [
      'terms on a text field',
      { op: 'terms', field: 'message', size: 5 },
      'field message (data view drift) is mapped as text, which does not fit its use (aggregatable)',
    ],
    [
      'a histogram over a keyword',
      { op: 'date_histogram', field: 'kiln.drift.path', interval: '1d' },
      'field kiln.drift.path (data view drift) is mapped as keyword, which does not fit its use (date)',
    ],
    [
      'ranges over a date',
      { op: 'range', field: '@timestamp', ranges: [{ from: 0, label: 'all' }] },
      'field @timestamp (data view drift) is mapped as date, which does not fit its use (numeric)',
    ],
  ] as const)('reports %s', (_, bucket, problem) => {
    const problems = checkDashboardFields(
      one({
        key: 'p',
        type: 'lens',
        title: '[kiln] P',
        description: 'test',
        dataView: 'drift',
        vis: { kind: 'bar', x: bucket as never, metric: { op: 'count' } },
      }),
    );
    expect(problems).toEqual([`[kiln] T / [kiln] P: ${problem}`]);
  });

  it('refuses sorting on a field kept only in _source', () => {
    const problems = checkDashboardFields(
      one({
        key: 'p',
        type: 'search',
        title: '[kiln] P',
        description: 'test',
        dataView: 'actions',
        columns: ['kiln.action.output'],
        sort: [['kiln.action.output', 'asc']],
      }),
    );
    expect(problems).toEqual([
      '[kiln] T / [kiln] P: field kiln.action.output (data view actions) is mapped as stored_only, which does not fit its use (aggregatable)',
    ]);
  });

  it('reads a field type per family of a multi-family data view', () => {
    expect([...dataViewFieldTypes('timeline', 'kiln.drift.path')]).toEqual([['drift', 'keyword']]);
    expect([...dataViewFieldTypes('timeline', 'cloud.instance.id')]).toEqual([
      ['facts', 'keyword'],
      ['lifecycle', 'keyword'],
      ['drift', 'keyword'],
      ['actions', 'keyword'],
    ]);
  });
});
