/** Panel conditions in KQL (what Kibana runs) and as an Elasticsearch bool (what the tests run). */
import { describe, expect, it } from 'vitest';
import { conditionsToBool, conditionsToKql } from '../../dashboards/conditions.ts';
import type { Condition } from '../../dashboards/spec/types.ts';

describe('conditions', () => {
  it.each<[string, Condition[], string, ReturnType<typeof conditionsToBool>]>([
    ['none', [], '', { filter: [], must_not: [] }],
    [
      'one value',
      [{ field: 'kiln.status', is: ['silent'] }],
      'kiln.status : "silent"',
      { filter: [{ terms: { 'kiln.status': ['silent'] } }], must_not: [] },
    ],
    [
      'several values',
      [{ field: 'kiln.decision.outcome', is: ['taken', 'deferred'] }],
      'kiln.decision.outcome : ("taken" or "deferred")',
      { filter: [{ terms: { 'kiln.decision.outcome': ['taken', 'deferred'] } }], must_not: [] },
    ],
    [
      'a boolean',
      [{ field: 'kiln.completeness.complete', is: [false] }],
      'kiln.completeness.complete : false',
      { filter: [{ terms: { 'kiln.completeness.complete': [false] } }], must_not: [] },
    ],
    [
      'negation and existence',
      [
        { field: 'kiln.lifecycle.phase', isNot: ['heartbeat'] },
        { field: 'package.name', exists: true },
        { field: 'kiln.drift.path', exists: false },
      ],
      'not kiln.lifecycle.phase : "heartbeat" and package.name : * and not kiln.drift.path : *',
      {
        filter: [{ exists: { field: 'package.name' } }],
        must_not: [
          { terms: { 'kiln.lifecycle.phase': ['heartbeat'] } },
          { exists: { field: 'kiln.drift.path' } },
        ],
      },
    ],
    [
      'a lower bound and a quote to escape',
      [
        { field: 'kiln.age_ms', atLeast: 604800000 },
        { field: 'message', is: ['say "hi"'] },
      ],
      'kiln.age_ms >= 604800000 and message : "say \\"hi\\""',
      {
        filter: [{ range: { 'kiln.age_ms': { gte: 604800000 } } }, { terms: { message: ['say "hi"'] } }],
        must_not: [],
      },
    ],
  ])('%s', (_, conditions, kql, bool) => {
    expect(conditionsToKql(conditions)).toBe(kql);
    expect(conditionsToBool(conditions)).toEqual(bool);
  });
});
