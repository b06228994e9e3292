/** `kiln collector run`: the ingest API plus the collector's periodic jobs, until SIGTERM. */
import type { Command } from 'commander';
import { runCollector } from '../../collector/runtime.ts';
import { parseDurationMs } from '../../lib/duration.ts';
import { KilnError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { action, esOptions, example, indexPrefix, withEsOptions } from '../cli-support.ts';
import { collectorExtensions } from '../collector-extensions.ts';
import { parseRetention } from './collector.ts';

/** Parses `host:port` (or a bare port) for --listen. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535)
    throw new KilnError('KILN_ERR_USAGE', `--listen expects HOST:PORT or PORT, got "${value}"`);
  return { host: match[1] ?? '127.0.0.1', port };
}

/** Registers `collector run`. */
export function registerCollectorRun(group: Command): void {
  example(
    withEsOptions(
      group
        .command('run')
        .description('serve the ingest API (enroll, batches) and run retention, registry and policy jobs')
        .option('--listen <host:port>', 'address to listen on', '127.0.0.1:7700')
        .option('--tls-cert <file>', 'PEM certificate: serve HTTPS')
        .option('--tls-key <file>', 'PEM private key for --tls-cert')
        .option('--retention <spec>', 'days to keep, e.g. "30" or "logs=14,facts=90" (default: keep all)')
        .option(
          '--silence-after <duration>',
          'mark an instance silent after this long without a heartbeat',
          '5m',
        )
        .option('--policy <file>', 'evaluate this policy file on an interval (see kiln policy --help)')
        .option('--policy-interval <duration>', 'how often policies are evaluated', '1m')
        .option('--no-setup', 'do not install/upgrade index templates at start'),
    ),
    'kiln collector run --listen 0.0.0.0:7700 --es-url https://es.internal:9200 --tls-cert cert.pem --tls-key key.pem',
    'kiln collector run --policy policy.yaml --retention logs=30',
  ).action(
    action(async (opts) => {
      const { host, port } = parseListen(opts.listen);
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) {
        throw new KilnError('KILN_ERR_USAGE', '--tls-cert and --tls-key go together');
      }
      const log = createLogger('kiln.collector');
      const extensions = collectorExtensions({
        silenceAfterMs: parseDurationMs(opts.silenceAfter),
        policyFile: opts.policy,
        policyIntervalMs: parseDurationMs(opts.policyInterval),
        log,
      });
      const collector = await runCollector({
        es: esOptions(opts),
        indexPrefix: indexPrefix(opts),
        log,
        host,
        port,
        setup: opts.setup,
        ...(opts.tlsCert ? { tls: { certFile: opts.tlsCert, keyFile: opts.tlsKey } } : {}),
        ...(opts.retention ? { retention: parseRetention(opts.retention) } : {}),
        ...extensions,
      });
      process.stderr.write(`kiln collector listening on ${collector.url}\n`);
      await new Promise<void>((resolve) => {
        const shutdown = () => resolve();
        process.once('SIGTERM', shutdown);
        process.once('SIGINT', shutdown);
      });
      await collector.stop();
      return 0;
    }),
  );
}
