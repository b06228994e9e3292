/** Registers the `agent-run` commands (filled in by the issue that builds them). */
import type { Command } from 'commander';

/** Registers the agent-run commands on `program`. */
export function registerAgentRun(_program: Command): void {}
