/** Registers the `dashboards` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the dashboards commands on `program`. */
export function registerDashboards(_program: Command): void {}
