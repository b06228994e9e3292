/**
 * The migration gate. On import Kibana refuses a document whose typeMigrationVersion is above the
 * last version its type knows — the larger of its newest migration and its multi-namespace
 * conversion version — with "belongs to a more recent version of Kibana" (documentMigratorGate).
 * Model versions count as virtual versions 10.<n>.0 (elasticAgentDashboard: an 8.14+ dashboard
 * export stamped 10.2.0), which no 8.x before model versions knows. So kiln must stamp each type
 * with a version the oldest supported Kibana, 8.9, already knows, and lets newer ones migrate up.
 */

/** The last version each type knows on Kibana 8.9, and where that is seen. */
export const lastKnownOn89 = {
  // A migration keyed 8.9.0 (lensEmbeddableMigrations); an export of 2024 still stamped 8.9.0 (nginxOtelLens).
  lens: '8.9.0',
  // The dashboard schema registered for 8.9.0 (dashboardType814); exports stamped 8.9.0 (nginxOtelDashboard).
  dashboard: '8.9.0',
  // convertToMultiNamespaceTypeVersion 8.0.0 (savedSearchType89).
  search: '8.0.0',
  // convertToMultiNamespaceTypeVersion 8.0.0 for data views, as for every shareable type.
  'index-pattern': '8.0.0',
} as const;

/** The oldest Kibana kiln supports; coreMigrationVersion must not be above it. */
export const oldestKibana = '8.9.0';

/** a > b for dotted versions. */
export function versionAbove(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return false;
}
