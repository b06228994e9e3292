/** `kiln agent …`: the instance agent's commands, the same as `kiln-agent …`. */
import type { Command } from 'commander';
import { example } from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';
import { registerAgentBaseline } from './agent-baseline.ts';
import { registerAgentRun } from './agent-run.ts';

export function registerAgent(program: Command): void {
  const agent = example(
    program.command('agent').description(summaryOf('agent')),
    'kiln agent run --config /etc/kiln/agent.yaml',
  );
  registerAgentRun(agent);
  registerAgentBaseline(agent);
}
