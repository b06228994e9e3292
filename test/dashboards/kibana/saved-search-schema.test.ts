/**
 * kiln's saved searches against the search schema of each supported Kibana (facts/saved-search.ts):
 * 8.9 — src/plugins/saved_search/server/saved_objects/search.ts (schema for 8.8.0); 8.14–8.19 —
 * …/saved_objects/schema.ts (model versions over that base); 9.x — the Discover session of
 * src/platform/plugins/shared/saved_search/server/saved_objects/schema.ts, where model version 13
 * moves the attributes into one tab.
 */
import { describe, expect, it } from 'vitest';
import { ofType, titleOf } from './built.ts';
import { kibanaLines } from './facts/dashboard.ts';
import {
  discoverSessionTopKeys9,
  discoverTabAttributes9,
  savedSearchAttributes,
  searchSourceShape,
} from './facts/saved-search.ts';
import { cite } from './facts/sources.ts';
import { check } from './shape.ts';

const searches = ofType('search');
const cases = searches.map((s) => [titleOf(s), s] as const);

it('kiln ships 11 saved searches', () => {
  expect(searches).toHaveLength(11);
});

describe.each(kibanaLines)('saved search attributes on Kibana %s', (line) => {
  it.each(cases)('%s passes the import schema', (_title, s) => {
    expect(check(s.attributes, savedSearchAttributes[line], 'attributes')).toEqual([]);
  });
});

describe(`on 9.x the attributes fit the one tab they move into (${cite('discoverSession9')})`, () => {
  it.each(cases)('%s', (_title, s) => {
    const tab = Object.fromEntries(
      Object.entries(s.attributes).filter(
        ([key]) => !(discoverSessionTopKeys9 as readonly string[]).includes(key),
      ),
    );
    expect(check(tab, discoverTabAttributes9, 'tab.attributes')).toEqual([]);
  });
});

describe('searchSourceJSON: a KQL query, no filters, the data view by reference name', () => {
  it.each(cases)('%s', (_title, s) => {
    const source = JSON.parse(
      (s.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
    );
    expect(check(source, searchSourceShape, 'searchSource')).toEqual([]);
    expect(source.indexRefName).toBe('kibanaSavedObjectMeta.searchSourceJSON.index');
  });
});

describe('every sort entry is a [field, direction] pair of a listed direction', () => {
  it.each(cases)('%s', (_title, s) => {
    const sort = s.attributes.sort as string[][];
    expect(sort.length).toBeGreaterThan(0);
    for (const [field, direction] of sort) {
      expect(typeof field).toBe('string');
      expect(['asc', 'desc']).toContain(direction);
    }
  });
});
