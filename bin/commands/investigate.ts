/** Registers the `investigate` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the investigate commands on `program`. */
export function registerInvestigate(_program: Command): void {}
