/** Registers the `token` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the token commands on `program`. */
export function registerToken(_program: Command): void {}
