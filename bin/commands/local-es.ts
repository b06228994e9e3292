/** `kiln local-es start|stop|status`: a real single-node Elasticsearch for demos and tests. */
import type { Command } from 'commander';
import { KilnError } from '../../lib/errors.ts';
import {
  defaultEsVersion,
  isAlive,
  kilnCacheDir,
  probe,
  readLocalEsState,
  startLocalEs,
  stopLocalEs,
} from '../../lib/local-es/index.ts';
import { action, example, intFlag, printJson } from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';

/** Registers the local-es commands. */
export function registerLocalEs(program: Command): void {
  const group = example(
    program.command('local-es').description(summaryOf('local-es')),
    'kiln local-es start && curl "$(kiln local-es status --url)"',
  );

  example(
    group
      .command('start')
      .description('download (once), start and wait until the cluster answers')
      .option('--name <name>', 'instance name (its own data directory)', 'default')
      .option('--port <port>', 'HTTP port on 127.0.0.1 (default: a free port)')
      .option(
        '--es-version <version>',
        'Elasticsearch version (8.x runs on Java 17+, 9.x on Java 21+: kiln picks one from ES_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm, /opt)',
        defaultEsVersion,
      )
      .option('--heap <size>', 'JVM heap', '512m')
      .option('--security', 'enable security with a password for the elastic user')
      .option('--password <password>', 'the elastic password with --security (default: random)')
      .option('--fresh', 'start from an empty data directory')
      .option('--json', 'print the instance state as JSON'),
    'kiln local-es start --port 9200',
    'kiln local-es start --name es9 --es-version 9.2.4',
    'kiln local-es start --security --password changeme',
  ).action(
    action(async (opts) => {
      const state = await startLocalEs(
        {
          name: opts.name,
          version: opts.esVersion,
          heap: opts.heap,
          security: Boolean(opts.security),
          fresh: Boolean(opts.fresh),
          ...(opts.port ? { port: intFlag('--port', opts.port) } : {}),
          ...(opts.password ? { password: opts.password } : {}),
        },
        (m) => process.stderr.write(`local-es: ${m}\n`),
      );
      if (opts.json) printJson(state);
      else {
        process.stdout.write(`Elasticsearch ${state.version} is ready at ${state.url} (pid ${state.pid})\n`);
        if (state.security) process.stdout.write(`user: elastic  password: ${state.password}\n`);
        process.stdout.write(`data: ${state.dir}\n`);
      }
      return 0;
    }),
  );

  example(
    group
      .command('stop')
      .description('stop the instance cleanly')
      .option('--name <name>', 'instance name', 'default'),
    'kiln local-es stop',
  ).action(
    action(async (opts) => {
      const stopped = await stopLocalEs(opts.name);
      process.stdout.write(
        stopped ? `stopped local-es "${opts.name}"\n` : `local-es "${opts.name}" was not running\n`,
      );
      return 0;
    }),
  );

  example(
    group
      .command('status')
      .description('show whether the instance runs and how the cluster is')
      .option('--name <name>', 'instance name', 'default')
      .option('--url', 'print only the URL (for scripts)')
      .option('--json', 'print as JSON'),
    'kiln local-es status',
  ).action(
    action(async (opts) => {
      const state = readLocalEsState(opts.name, kilnCacheDir());
      if (!state || !isAlive(state.pid)) {
        throw new KilnError(
          'KILN_ERR_LOCAL_ES',
          `local-es "${opts.name}" is not running (start it with: kiln local-es start)`,
        );
      }
      const health = await probe(state);
      if (opts.url) {
        process.stdout.write(`${state.url}\n`);
        return 0;
      }
      if (opts.json) printJson({ ...state, health });
      else {
        process.stdout.write(
          `local-es "${state.name}": ${health.ok ? 'running' : 'not answering'} at ${state.url} (pid ${state.pid})\n` +
            `version ${health.version ?? state.version}, cluster ${health.status ?? health.reason}, data ${state.dir}\n`,
        );
      }
      return health.ok ? 0 : 1;
    }),
  );
}
