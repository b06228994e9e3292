#!/usr/bin/env node
/**
 * The `kiln` command: joins every part's commands; each command module stays thin. Only the
 * command being run is loaded (bin/command-index.ts), so `kiln --help` imports none of them.
 */
import { Command } from 'commander';
import { kilnVersion } from '../lib/version.ts';
import { example } from './cli-support.ts';
import { registerCommands, targetOf } from './command-index.ts';

const program = new Command('kiln')
  .description('kiln: observe immutable servers, and replace the ones that drift or grow old')
  .version(kilnVersion)
  .showHelpAfterError('(run with --help for usage)');
example(program, 'kiln demo', 'kiln collector run --es-url http://127.0.0.1:9200', 'kiln fleet --drifted');

await registerCommands(program, targetOf(process.argv.slice(2)));
await program.parseAsync(process.argv);
