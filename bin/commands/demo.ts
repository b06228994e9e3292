/** `kiln demo`: the whole loop on one machine. */
import type { Command } from 'commander';
import { parseDurationMs } from '../../lib/duration.ts';
import { action, example } from '../cli-support.ts';
import { summaryOf } from '../command-index.ts';
import { runDemo } from '../demo/run-demo.ts';

/** Registers `kiln demo`. */
export function registerDemo(program: Command): void {
  example(
    program
      .command('demo')
      .description(summaryOf('demo'))
      .option('--duration <duration>', 'stop by itself after this long (default: run until Ctrl-C)')
      .option('--warmup <duration>', 'how long to let data flow before the report', '20s')
      .option('--keep-es', 'leave the demo Elasticsearch running afterwards (for Kibana or curl)')
      .option('--es-url <url>', 'use this Elasticsearch instead of starting a local one (left running)')
      .option('--index-prefix <prefix>', 'index name prefix', 'kiln'),
    'kiln demo',
    'kiln demo --duration 1m --keep-es',
    'kiln demo --es-url http://127.0.0.1:9200 --index-prefix demo --duration 2m',
  ).action(
    action(async (opts) => {
      await runDemo({
        ...(opts.duration ? { durationMs: parseDurationMs(opts.duration) } : {}),
        warmupMs: parseDurationMs(opts.warmup),
        keepEs: Boolean(opts.keepEs),
        ...(opts.esUrl ? { esUrl: String(opts.esUrl).replace(/\/$/, '') } : {}),
        indexPrefix: opts.indexPrefix,
        say: (line) => process.stdout.write(`${line}\n`),
      });
      return 0;
    }),
  );
}
