/** `kiln collector run`: the ingest API plus the collector's periodic jobs, until SIGTERM. */
import type { Command } from 'commander';
import { type CollectorConfig, defaultCollectorConfig, loadCollectorConfig } from '../../collector/config.ts';
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

/** The config file (or the defaults), with every flag the user gave laid over it. */
export function effectiveConfig(
  opts: Record<string, unknown>,
  given: (flag: string) => boolean,
): CollectorConfig {
  const config = opts.config ? loadCollectorConfig(String(opts.config)) : defaultCollectorConfig();
  if (given('listen')) config.listen = String(opts.listen);
  if (given('tlsCert') || given('tlsKey')) {
    if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) {
      throw new KilnError('KILN_ERR_USAGE', '--tls-cert and --tls-key go together');
    }
    config.tls = { certFile: String(opts.tlsCert), keyFile: String(opts.tlsKey) };
  }
  if (given('retention')) config.retention = parseRetention(String(opts.retention));
  if (given('silenceAfter')) config.silenceAfterMs = parseDurationMs(String(opts.silenceAfter));
  if (given('policy'))
    config.policy = { file: String(opts.policy), intervalMs: config.policy?.intervalMs ?? 60_000 };
  if (given('policyInterval') && config.policy)
    config.policy.intervalMs = parseDurationMs(String(opts.policyInterval));
  if (given('setup')) config.setup = Boolean(opts.setup);
  const hooks = ['lifecycleHooks', 'lifecycleDeadline', 'lifecycleHookName', 'awsRegion', 'awsEndpoint'].some(
    given,
  );
  if (hooks) {
    const base = config.lifecycleHooks ?? {
      enabled: Boolean(opts.lifecycleHooks),
      deadlineMs: 120_000,
      intervalMs: 5000,
    };
    config.lifecycleHooks = {
      ...base,
      ...(given('lifecycleHooks') ? { enabled: true } : {}),
      ...(given('lifecycleDeadline') ? { deadlineMs: parseDurationMs(String(opts.lifecycleDeadline)) } : {}),
      ...(given('lifecycleHookName') ? { hookName: String(opts.lifecycleHookName) } : {}),
      ...(given('awsRegion') ? { region: String(opts.awsRegion) } : {}),
      ...(given('awsEndpoint') ? { endpoint: String(opts.awsEndpoint) } : {}),
    };
  }
  return config;
}

/** Registers `collector run`. */
export function registerCollectorRun(group: Command): void {
  const command = example(
    withEsOptions(
      group
        .command('run')
        .description('serve the ingest API (enroll, batches) and run retention, registry and policy jobs')
        .option(
          '--config <file>',
          'collector config (YAML/JSON: listen, tls, limits, enrollment, …); flags override it',
        )
        .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:7700)')
        .option('--tls-cert <file>', 'PEM certificate: serve HTTPS')
        .option('--tls-key <file>', 'PEM private key for --tls-cert')
        .option('--retention <spec>', 'days to keep, e.g. "30" or "logs=14,facts=90" (default: keep all)')
        .option(
          '--silence-after <duration>',
          'mark an instance silent after this long without a heartbeat (default 5m)',
        )
        .option('--policy <file>', 'evaluate this policy file on an interval (see kiln policy --help)')
        .option('--policy-interval <duration>', 'how often policies are evaluated (default 1m)')
        .option(
          '--lifecycle-hooks',
          "complete an instance's Auto Scaling terminate lifecycle action (CONTINUE) once its agent's final report is stored",
        )
        .option(
          '--lifecycle-deadline <duration>',
          'complete it anyway this long after the termination notice (default 2m)',
        )
        .option(
          '--lifecycle-hook-name <name>',
          "the hook to complete (default: the group's only terminate hook)",
        )
        .option('--aws-region <region>', 'AWS region for --lifecycle-hooks (default: the standard AWS chain)')
        .option(
          '--aws-endpoint <url>',
          'Auto Scaling endpoint override for --lifecycle-hooks (a VPC endpoint, moto)',
        )
        .option('--no-setup', 'do not install/upgrade index templates at start'),
    ),
    'kiln collector run --config /etc/kiln/collector.yaml --es-url https://es.internal:9200',
    'kiln collector run --listen 0.0.0.0:7700 --tls-cert cert.pem --tls-key key.pem --policy policy.yaml --retention logs=30',
    'kiln collector run --lifecycle-hooks --lifecycle-deadline 5m --aws-region eu-west-1',
  );
  command.action(
    action(async (opts) => {
      const given = (flag: string) => command.getOptionValueSource(flag) === 'cli';
      const config = effectiveConfig(opts, given);
      const { host, port } = parseListen(config.listen);
      const log = createLogger('kiln.collector');
      const extensions = collectorExtensions({
        silenceAfterMs: config.silenceAfterMs,
        ...(config.policy ? { policyFile: config.policy.file } : {}),
        policyIntervalMs: config.policy?.intervalMs ?? 60_000,
        ...(config.lifecycleHooks?.enabled
          ? {
              termination: {
                deadlineMs: config.lifecycleHooks.deadlineMs,
                intervalMs: config.lifecycleHooks.intervalMs,
                ...(config.lifecycleHooks.hookName ? { hookName: config.lifecycleHooks.hookName } : {}),
                ...(config.lifecycleHooks.region ? { region: config.lifecycleHooks.region } : {}),
                ...(config.lifecycleHooks.endpoint ? { endpoint: config.lifecycleHooks.endpoint } : {}),
                log: log.child('termination'),
              },
            }
          : {}),
        log,
      });
      const collector = await runCollector({
        es: esOptions(opts),
        indexPrefix: indexPrefix(opts),
        log,
        host,
        port,
        setup: config.setup,
        limits: config.limits,
        enrollment: config.enrollment,
        tokenCacheTtlMs: config.tokenCacheTtlMs,
        logIdentity: config.logIdentity,
        retentionIntervalMs: config.retentionIntervalMs,
        ...(config.tls ? { tls: config.tls } : {}),
        ...(config.retention ? { retention: config.retention } : {}),
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
