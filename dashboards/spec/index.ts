/** All of kiln's dashboards, in the order they are built. */
import { bakesAndLineage } from './bakes-and-lineage.ts';
import { driftAndAge } from './drift-and-age.ts';
import { fleetOverview } from './fleet-overview.ts';
import { instanceInvestigation } from './instance-investigation.ts';
import type { DashboardBuildOptions, DashboardSpec } from './types.ts';

/** The default build settings: prefix `kiln`, max age 7 days. */
export const defaultBuildOptions: DashboardBuildOptions = { indexPrefix: 'kiln', maxAgeMs: 7 * 86_400_000 };

/** Every dashboard for these settings. */
export function allDashboards(options: DashboardBuildOptions = defaultBuildOptions): DashboardSpec[] {
  return [fleetOverview(options), instanceInvestigation(), driftAndAge(), bakesAndLineage()];
}
