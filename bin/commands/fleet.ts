/** Registers the `fleet` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the fleet commands on `program`. */
export function registerFleet(_program: Command): void {}
