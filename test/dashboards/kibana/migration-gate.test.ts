/**
 * The migration gate of packages/core/saved-objects/core-saved-objects-migration-server-internal
 * (document_migrator/pipelines/upgrade_pipeline.ts, 8.x and 9.x): an object stamped above the last
 * version its type knows is refused on import. kiln stamps every object with a version Kibana 8.9
 * already knows (facts/migrations.ts), so 8.9 imports it and newer Kibanas migrate it forward.
 */
import { describe, expect, it } from 'vitest';
import { built, titleOf } from './built.ts';
import { lastKnownOn89, oldestKibana, versionAbove } from './facts/migrations.ts';
import { cite } from './facts/sources.ts';

describe(`no object is stamped newer than Kibana 8.9 knows (${cite('documentMigratorGate')})`, () => {
  it.each(built.map((o) => [`${o.type} ${titleOf(o)}`, o] as const))('%s', (_name, o) => {
    const known = lastKnownOn89[o.type];
    expect(known, `no recorded version for type ${o.type}`).toBeDefined();
    expect(versionAbove(o.typeMigrationVersion, known)).toBe(false);
    expect(versionAbove(o.coreMigrationVersion, oldestKibana)).toBe(false);
  });

  it('a model-version stamp (10.2.0, as 8.14+ exports carry) would be refused by 8.9', () => {
    expect(versionAbove('10.2.0', lastKnownOn89.dashboard)).toBe(true);
  });

  it('Lens objects are stamped exactly 8.9.0, so no pre-8.9 migration runs on their 8.9 shapes', () => {
    // An older stamp would run the 7.x–8.x migrations over the formBased state, which they do
    // not expect; 8.9.0 is also what Kibana's own exports of that era carry (nginxOtelLens).
    for (const o of built.filter((x) => x.type === 'lens')) expect(o.typeMigrationVersion).toBe('8.9.0');
  });
});

describe('versionAbove', () => {
  it.each([
    ['8.10.0', '8.9.0', true],
    ['8.9.0', '8.9.0', false],
    ['8.8.0', '8.9.0', false],
    ['10.2.0', '8.9.0', true],
  ])('%s above %s: %s', (a, b, above) => {
    expect(versionAbove(a, b)).toBe(above);
  });
});
