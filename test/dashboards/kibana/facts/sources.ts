/**
 * Where each fact in this folder was read. kiln does not vendor Kibana: these are the public
 * files (GitHub elastic/kibana and elastic/integrations, at the commit given) whose rules kiln's
 * conformance tests restate in kiln's own words. A Kibana version says which releases carry that
 * form of the file, judged from the file itself (its path, its model versions, its licence header)
 * or, for an export, from the versions it was stamped with.
 */

/** One file read. */
export interface Source {
  repo: 'elastic/kibana' | 'elastic/integrations';
  /** The file's path, or how it was found when the search answer named no path. */
  path: string;
  /** A commit, or `search-tool id N` for a stored version found by an exact-string search. */
  commit: string;
  /** The Kibana releases this form of the file stands for. */
  kibana: string;
}

const kibana = (path: string, commit: string, releases: string): Source => ({
  repo: 'elastic/kibana',
  path,
  commit,
  kibana: releases,
});

/** Every source a fact or test cites, by a short name. */
export const sources = {
  dashboardSchema89: kibana(
    'src/plugins/dashboard/common/content_management/v1/cm_services.ts',
    '02b178aa208891da50abb195430e01d83417b669',
    '8.9 (registered as the dashboard schema for 8.9.0; still model version 1 until 8.13)',
  ),
  dashboardType814: kibana(
    'src/plugins/dashboard/server/dashboard_saved_object/dashboard_saved_object.ts',
    '314bb81d729b6953506860a45c26d90c31d412db',
    '8.14–8.17 (model versions 1 and 2; 2 adds controlGroupInput.showApplySelections)',
  ),
  dashboardSchemaV2Plugins: kibana(
    'src/plugins/dashboard/server/dashboard_saved_object/schema/v2/v2.ts',
    '352562d557943c5f8bb7226e8a7bbb3b89c5336a',
    '8.14–8.17',
  ),
  dashboardSchemaV2Platform: kibana(
    'src/platform/plugins/shared/dashboard/server/dashboard_saved_object/schema/v2/v2.ts',
    '6bd9e248b21897617f25cd0ef3f6c191329bec24',
    '8.18–8.19 and 9.0 (src/platform layout, model version 2, grid data without sections)',
  ),
  dashboardType9: kibana(
    'src/platform/plugins/shared/dashboard/server/dashboard_saved_object/dashboard_saved_object.ts',
    'search-tool id 7579603536',
    '9.x (model versions 1–4: 3 adds sections, 4 projectRouting)',
  ),
  dashboardSchemaV1Platform: kibana(
    'src/platform/plugins/shared/dashboard/server/dashboard_saved_object/schema/v1/v1.ts',
    '3c37204bef8a077edf1758caa45474499c2941c7',
    '9.x',
  ),
  dashboardSchemaV3: kibana(
    'src/platform/plugins/shared/dashboard/server/dashboard_saved_object/schema/v3/v3.ts',
    '1b722a55d94f32116be2e4a15137ade5a918ecbd',
    '9.x',
  ),
  dashboardSchemaV4: kibana(
    'src/platform/plugins/shared/dashboard/server/dashboard_saved_object/schema/v4/v4.ts',
    '0e8fb9e753d1b3b7d98dceb6aa692270d706ab38',
    '9.x',
  ),
  typeValidator: kibana(
    'packages/core/saved-objects/core-saved-objects-base-server-internal/src/validation/validator.ts',
    '0b0b5ae13a2f4aa123fead50a39e4093d474108b',
    '8.10+ (which schema validates a document of a given version)',
  ),
  documentMigratorGate: kibana(
    'packages/core/saved-objects/core-saved-objects-migration-server-internal/src/document_migrator/pipelines/upgrade_pipeline.ts',
    'search-tool id 1742669410',
    '8.x and 9.x (refuses a typeMigrationVersion above the last one the type knows)',
  ),
  savedSearchType89: kibana(
    'src/plugins/saved_search/server/saved_objects/search.ts',
    '0270556838cb5f6d07a4dcb903efd98918c0fd67',
    '8.8–8.9 (one schema, for 8.8.0; no model versions yet)',
  ),
  savedSearchSchema8: kibana(
    'src/plugins/saved_search/server/saved_objects/schema.ts',
    '06ee3187f1d9760421da22d66798a7d751a66a46',
    '8.1x (model versions 1–5 over the 8.8.0 schema)',
  ),
  discoverSession9: kibana(
    'src/platform/plugins/shared/saved_search/server/saved_objects/schema.ts',
    '0761edb99bf9dacc5fdc0b2f9ba100036aafba8d',
    '9.x (Discover sessions: model version 13 moves the legacy attributes into one tab)',
  ),
  lensOperations: kibana(
    'x-pack/plugins/lens/public/datasources/form_based/operations/definitions/index.ts',
    'search-tool id 396232530',
    '8.x (the registered operation definitions)',
  ),
  lensMetrics: kibana(
    'x-pack/plugins/lens/public/datasources/form_based/operations/definitions/metrics.tsx',
    '08d67080e81d5963de5c0c50a22ed3f77943bce6',
    '8.x',
  ),
  lensCount: kibana(
    'x-pack/plugins/lens/public/datasources/form_based/operations/definitions/count.tsx',
    'search-tool id 729075836',
    '8.x (emptyAsNull is the "Hide zero values" switch)',
  ),
  lensRanges: kibana(
    'x-pack/plugins/lens/public/datasources/form_based/operations/definitions/ranges/ranges.tsx',
    '331853a83a0a778b28e799d7b4626831a9a8b043',
    '8.x',
  ),
  lensTerms: kibana(
    '(Lens form-based column types; found by exact-string search for "export interface TermsIndexPatternColumn")',
    'search-tool id 55323488439',
    '8.x',
  ),
  lensTermsInShiftedHistogram: kibana(
    '(Lens terms helpers; found by exact-string search for "export interface TermsIndexPatternColumn")',
    'search-tool id 25722239492',
    '8.x (the "Reorder dimensions" fix: bucket nesting follows column order)',
  ),
  lensPreAverage: kibana(
    '(Lens index-pattern datasource types before 7.13; found by exact-string search for "export interface TermsIndexPatternColumn")',
    'search-tool id 34123223981',
    '7.x before 7.13 (the operation was named avg)',
  ),
  lensSavedObjectMigrations: kibana(
    'x-pack/plugins/lens/server/migrations/saved_object_migrations.ts',
    '01e8881decc9fd785e2589d938c8a5f03c36f4e5',
    '8.5–8.8 (7.13.0 renames avg to average)',
  ),
  lensEmbeddableMigrations: kibana(
    'x-pack/plugins/lens/server/embeddable/make_lens_embeddable_factory.ts',
    'search-tool id 1435841151',
    '8.9+ (a migration keyed 8.9.0: the newest Lens migration 8.9 knows)',
  ),
  lensXyTypes: kibana(
    'x-pack/plugins/lens/public/visualizations/xy/types.ts',
    'search-tool id 1136737889',
    '8.11–9.x (colorMapping present, splitAccessor singular)',
  ),
  lensCommonTypes: kibana(
    'x-pack/plugins/lens/common/types.ts',
    'search-tool id 2312492525',
    '8.6–8.10 (pie metrics[]/primaryGroups, ValueLabelConfig hide|show)',
  ),
  lensCommonTypes9: kibana(
    '(Lens common types, AGPL-licensed tree; found by exact-string search for "export interface SharedPieLayerState {")',
    'search-tool id 6166626078',
    '8.14–9.x (pie legendStats and colorMapping)',
  ),
  optionsListInput: kibana(
    'src/plugins/controls/common/options_list/types.ts',
    'search-tool id 2216154482',
    '8.x before searchTechnique (8.9 era)',
  ),
  controlReferences: kibana(
    '(controls data-control serializer; found by exact-string search for "controlGroup_${")',
    'search-tool id 2215692305',
    '9.x (reference controlGroup_<id>:<type>DataView)',
  ),
  panelReferences8: kibana(
    'src/plugins/dashboard/common/dashboard_container/persistable_state/dashboard_container_references.ts',
    'search-tool id 1346052508',
    '8.x (panel reference <panelIndex>:panel_<panelIndex>)',
  ),
  panelReferences9: kibana(
    '(dashboard panel reference extraction; found by exact-string search for "panelRefName = `panel_${")',
    'search-tool id 6949324582',
    '9.x',
  ),
  sampleDataLogs9: kibana(
    'src/platform/plugins/shared/home/server/services/sample_data/data_sets/logs/saved_objects.ts',
    '162de5e1ddcf140473f7df2ccad554708562296e',
    '9.x (Kibana’s own sample data, shipped with Kibana)',
  ),
  sampleDataEcommerce9: kibana(
    'src/platform/plugins/shared/home/server/services/sample_data/data_sets/ecommerce/saved_objects.ts',
    'stored version listed at 5ee079862462 (read through the code search)',
    '9.x (Kibana’s own sample data)',
  ),
  nginxOtelLens: {
    repo: 'elastic/integrations',
    path: 'packages/nginx/kibana/lens/nginx-nginx_otel-1812d060-ae10-11ee-8e4a-b30a0ed01bd3.json',
    commit: 'bacf8306907182d830611773ff9f1e674d45d906',
    kibana: 'exported 2024-01-10 (lens 8.9.0, core 8.8.0: an 8.11–8.12 export)',
  },
  nginxOtelDashboard: {
    repo: 'elastic/integrations',
    path: 'packages/nginx/kibana/dashboard/nginx-1be8c400-af83-11ee-8e4a-b30a0ed01bd3.json',
    commit: 'bacf8306907182d830611773ff9f1e674d45d906',
    kibana: 'exported 2024-01-10 (dashboard 8.9.0)',
  },
  elasticAgentDashboard: {
    repo: 'elastic/integrations',
    path: 'packages/elastic_agent/kibana/dashboard/elastic_agent-02117980-6082-11f0-89d2-bb7ceae5af7f.json',
    commit: '1d2721ecd1e2f94742974e7dbb913f1d86568eac',
    kibana: 'exported 2025 (dashboard 10.2.0 = model version 2: an 8.14+ export)',
  },
} satisfies Record<string, Source>;

/** A source's short name. */
export type SourceName = keyof typeof sources;

/** "repo path @commit (Kibana …)", for test names and failure messages. */
export function cite(name: SourceName): string {
  const s: Source = sources[name];
  const at = s.commit.startsWith('search-tool') || s.commit.includes(' ') ? s.commit : s.commit.slice(0, 12);
  return `${s.repo} ${s.path} @${at} (Kibana ${s.kibana})`;
}
