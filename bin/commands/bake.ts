/** Registers the `bake` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the bake commands on `program`. */
export function registerBake(_program: Command): void {}
