/**
 * A panel's conditions in the two languages that run them: KQL for Kibana
 * (https://www.elastic.co/guide/en/kibana/current/kuery-query.html) and a bool query for
 * Elasticsearch. Both say the same thing; tests run the Elasticsearch form.
 */
import type { Condition } from './spec/types.ts';

/** The KQL of the conditions, joined with `and`; empty when there are none. */
export function conditionsToKql(conditions: readonly Condition[] = []): string {
  return conditions.map(conditionToKql).join(' and ');
}

function conditionToKql(condition: Condition): string {
  if ('is' in condition) return `${condition.field} : ${kqlValues(condition.is)}`;
  if ('isNot' in condition) return `not ${condition.field} : ${kqlValues(condition.isNot)}`;
  if ('atLeast' in condition) return `${condition.field} >= ${condition.atLeast}`;
  return condition.exists ? `${condition.field} : *` : `not ${condition.field} : *`;
}

function kqlValues(values: readonly (string | boolean)[]): string {
  const quoted = values.map((v) =>
    typeof v === 'boolean' ? String(v) : `"${v.replace(/(["\\])/g, '\\$1')}"`,
  );
  return quoted.length === 1 ? quoted[0]! : `(${quoted.join(' or ')})`;
}

/** The Elasticsearch `bool` clauses of the conditions (filter and must_not). */
export function conditionsToBool(conditions: readonly Condition[] = []): {
  filter: Record<string, unknown>[];
  must_not: Record<string, unknown>[];
} {
  const filter: Record<string, unknown>[] = [];
  const mustNot: Record<string, unknown>[] = [];
  for (const condition of conditions) {
    if ('is' in condition) filter.push({ terms: { [condition.field]: [...condition.is] } });
    else if ('isNot' in condition) mustNot.push({ terms: { [condition.field]: [...condition.isNot] } });
    else if ('atLeast' in condition)
      filter.push({ range: { [condition.field]: { gte: condition.atLeast } } });
    else if (condition.exists) filter.push({ exists: { field: condition.field } });
    else mustNot.push({ exists: { field: condition.field } });
  }
  return { filter, must_not: mustNot };
}
