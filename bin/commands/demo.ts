/** Registers the `demo` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the demo commands on `program`. */
export function registerDemo(_program: Command): void {}
