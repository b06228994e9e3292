#!/usr/bin/env node
/** The `kiln` command: joins every part's commands; each command module stays thin. */
import { Command } from 'commander';
import { kilnVersion } from '../lib/version.ts';
import { example } from './cli-support.ts';
import { registerAgentBaseline } from './commands/agent-baseline.ts';
import { registerAgentRun } from './commands/agent-run.ts';
import { registerBake } from './commands/bake.ts';
import { registerCollector } from './commands/collector.ts';
import { registerDashboards } from './commands/dashboards.ts';
import { registerDemo } from './commands/demo.ts';
import { registerFleet } from './commands/fleet.ts';
import { registerInvestigate } from './commands/investigate.ts';
import { registerLocalEs } from './commands/local-es.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerToken } from './commands/token.ts';

const program = new Command('kiln')
  .description('kiln: observe immutable servers, and replace the ones that drift or grow old')
  .version(kilnVersion)
  .showHelpAfterError('(run with --help for usage)');
example(program, 'kiln demo', 'kiln collector run --es-url http://127.0.0.1:9200', 'kiln fleet --drifted');

registerDemo(program);
registerLocalEs(program);
registerCollector(program);
registerToken(program);
const agent = example(
  program.command('agent').description('the instance agent (same commands as kiln-agent)'),
  'kiln agent run --config /etc/kiln/agent.yaml',
);
registerAgentRun(agent);
registerAgentBaseline(agent);
registerFleet(program);
registerPolicy(program);
registerInvestigate(program);
registerBake(program);
registerDashboards(program);

await program.parseAsync(process.argv);
