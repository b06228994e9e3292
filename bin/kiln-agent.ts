#!/usr/bin/env node
/**
 * `kiln-agent`: the agent baked into every image. Bundled alone into dist/kiln-agent.js, so it
 * imports only agent/ and lib/ (never the collector or the Elasticsearch client).
 */
import { Command } from 'commander';
import { kilnVersion } from '../lib/version.ts';
import { registerAgentBaseline } from './commands/agent-baseline.ts';
import { registerAgentRun } from './commands/agent-run.ts';

const program = new Command('kiln-agent')
  .description(
    "kiln-agent: ships this instance's logs and boot facts, and checks it against its baked baseline",
  )
  .version(kilnVersion)
  .showHelpAfterError('(run with --help for usage)');

registerAgentRun(program);
registerAgentBaseline(program);

// No top-level await: the single executable runs this as CommonJS (scripts/build-sea.mjs).
// Every action reports its own failure (bin/cli-support.ts `action`).
void program.parseAsync(process.argv);
