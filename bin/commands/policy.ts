/** Registers the `policy` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the policy commands on `program`. */
export function registerPolicy(_program: Command): void {}
