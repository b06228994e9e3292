/** Registers the `agent-baseline` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the agent-baseline commands on `program`. */
export function registerAgentBaseline(_program: Command): void {}
