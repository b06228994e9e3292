/**
 * kiln itself (agent → collector → Elasticsearch) and the agent alone against a collector
 * stand-in that acknowledges without storing. Both run the shipped bundles in dist/.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenStore } from '../../../collector/tokens/token-store.ts';
import { createEsClient } from '../../../lib/es.ts';
import { indexNames } from '../../../lib/indices.ts';
import { freePort } from '../../../lib/local-es/index.ts';
import { agentHeapMiB } from '../../../scripts/agent-runtime-flags.mjs';
import { countDocs, dropIndices, indexedOps } from '../es-target.ts';
import { type Child, waitUntil } from '../processes.ts';
import type { BenchContext, Shipper } from '../shipper.ts';

/**
 * The agent's shipping settings in the benchmark: its defaults, stated; KILN_BENCH_IN_FLIGHT and
 * KILN_BENCH_QUEUED_MIB try others (the settings line says what ran).
 */
export const kilnAgentSettings = {
  batchMaxEvents: 2000,
  batchMaxBytes: 2 * 1024 * 1024,
  flushIntervalMs: 1000,
  maxInFlight: Number(process.env.KILN_BENCH_IN_FLIGHT ?? 2),
  maxQueuedEvents: 20_000,
  maxQueuedBytes: Number(process.env.KILN_BENCH_QUEUED_MIB ?? 4) * 1024 * 1024,
} as const;

/** The agent config for one run (pure). */
export function agentConfig(o: {
  collectorUrl: string;
  tokenFile: string;
  stateDir: string;
  logDir: string;
}): object {
  return {
    collector: { url: o.collectorUrl, enrollmentToken: { file: o.tokenFile } },
    stateDir: o.stateDir,
    instanceId: 'i-bench-0001',
    inputs: { files: [{ include: [join(o.logDir, '*.log')] }] },
    shipping: { ...kilnAgentSettings },
    facts: { enabled: false },
    drift: { enabled: false },
  };
}

const settingsLine = `agent: ${kilnAgentSettings.batchMaxEvents} events / ≤2 MiB per zstd batch, ${kilnAgentSettings.maxInFlight} in flight, ≤${kilnAgentSettings.maxQueuedEvents} events / ${kilnAgentSettings.maxQueuedBytes / 1024 / 1024} MiB queued; checkpoints only on acknowledgement`;
// KILN_BENCH_COLLECTOR_CONFIG: a collector config file (e.g. other `limits.perInstance`).
const collectorConfig = process.env.KILN_BENCH_COLLECTOR_CONFIG;

async function waitReady(child: Child, url: string): Promise<void> {
  await waitUntil(`${child.name} on ${url}`, async () => {
    if (!child.running()) throw new Error(`${child.name} exited: ${child.tail()}`);
    return fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  });
}

function startAgent(ctx: BenchContext, dir: string, collectorUrl: string): Child {
  const config = join(dir, 'agent.json');
  writeFileSync(
    config,
    JSON.stringify(
      agentConfig({
        collectorUrl,
        tokenFile: join(dir, 'token'),
        stateDir: join(dir, 'state'),
        logDir: ctx.logDir,
      }),
      null,
      2,
    ),
  );
  // The self-contained executable, as images run it (its V8 flags are baked in,
  // scripts/agent-runtime-flags.mjs), with the unit's heap and malloc settings; else the bundle.
  const executable = agentExecutable(ctx.root);
  const [command, args] = executable
    ? [executable, ['run', '--config', config]]
    : [process.execPath, [join(ctx.root, 'dist', 'kiln-agent.js'), 'run', '--config', config]];
  // KILN_BENCH_AGENT_MALLOC_ARENA_MAX replaces the unit's 1 (`glibc`: glibc's own default).
  const arenas = process.env.KILN_BENCH_AGENT_MALLOC_ARENA_MAX ?? '1';
  return ctx.processes.start('kiln-agent', command, args, join(dir, 'agent.out'), {
    KILN_LOG_LEVEL: 'warn',
    // KILN_BENCH_AGENT_NODE_OPTIONS adds flags (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
    NODE_OPTIONS:
      `--max-old-space-size=${agentHeapMiB} ${process.env.KILN_BENCH_AGENT_NODE_OPTIONS ?? ''}`.trim(),
    ...(arenas === 'glibc' ? {} : { MALLOC_ARENA_MAX: arenas }),
  });
}

/** dist/kiln-agent-linux-<arch> when the build made one for this machine. */
export function agentExecutable(root: string): string | undefined {
  const file = join(root, 'dist', `kiln-agent-linux-${process.arch}`);
  return existsSync(file) ? file : undefined;
}

/** kiln end to end: the real collector writing to Elasticsearch, the real agent tailing the files. */
export function kilnShipper(ctx: BenchContext, version: string): Shipper {
  const prefix = `${ctx.prefix}-kiln`;
  const dir = ctx.workDir('kiln');
  let collector: Child | undefined;
  let url = '';
  const startCollector = async (): Promise<Child> => {
    const child = ctx.processes.start(
      'kiln-collector',
      process.execPath,
      [
        join(ctx.root, 'dist', 'kiln.js'),
        'collector',
        'run',
        '--listen',
        new URL(url).host,
        '--es-url',
        ctx.esUrl,
        '--index-prefix',
        prefix,
        ...(process.env.KILN_BENCH_COLLECTOR_CONFIG
          ? ['--config', process.env.KILN_BENCH_COLLECTOR_CONFIG]
          : []),
      ],
      join(dir, 'collector.out'),
      // KILN_BENCH_COLLECTOR_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles it.
      { KILN_LOG_LEVEL: 'warn', NODE_OPTIONS: process.env.KILN_BENCH_COLLECTOR_NODE_OPTIONS ?? '' },
    );
    await waitReady(child, url);
    return child;
  };
  return {
    name: `kiln ${version} (agent → collector)`,
    settings: `${settingsLine}; collector: create on deterministic ids, 5 s refresh, ${collectorConfig ? `config \`${readFileSync(collectorConfig, 'utf8').trim().replace(/\s+/g, ' ')}\`` : 'default limits (one instance: 16 MiB/s sent + inflated)'}`,
    async setUp() {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      collector = await startCollector();
      const client = createEsClient({ url: ctx.esUrl });
      try {
        const { token } = await new TokenStore(client, indexNames(prefix)).createEnrollmentToken({
          scope: 'fleet',
          description: 'bench',
        });
        writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
      } finally {
        await client.close();
      }
    },
    async launch() {
      return startAgent(ctx, dir, url);
    },
    index: `${prefix}-logs-*`,
    restartable: true,
    tails: true,
    collector: () => collector,
    async stopCollector() {
      if (collector) await ctx.processes.stop(collector);
      collector = undefined;
    },
    async startCollector() {
      collector = await startCollector();
    },
    delivered: () => countDocs(ctx.esUrl, `${prefix}-logs-*`),
    indexed: () => indexedOps(ctx.esUrl, `${prefix}-logs-*`),
    async tearDown() {
      if (collector) await ctx.processes.stop(collector);
      await dropIndices(ctx.esUrl, `${prefix}-*`);
    },
  };
}

/** The agent alone: the same agent against a stand-in that acknowledges every event without storing it. */
export function kilnAgentAloneShipper(ctx: BenchContext, version: string): Shipper {
  const dir = ctx.workDir('kiln-alone');
  let collector: Child | undefined;
  let url = '';
  return {
    name: `kiln ${version} agent alone (ack-only stand-in)`,
    settings: `${settingsLine}; the stand-in answers every batch with all ids stored (lib/wire.ts BatchAck)`,
    async setUp() {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      collector = ctx.processes.start(
        'ack-collector',
        process.execPath,
        [join(import.meta.dirname, 'ack-collector-process.ts'), String(port)],
        join(dir, 'ack-collector.out'),
      );
      await waitReady(collector, url);
      writeFileSync(join(dir, 'token'), 'bench-enrollment-token', { mode: 0o600 });
    },
    async launch() {
      return startAgent(ctx, dir, url);
    },
    collector: () => collector,
    async delivered() {
      const response = await fetch(`${url}/count`);
      return ((await response.json()) as { logEvents: number }).logEvents;
    },
    async tearDown() {
      if (collector) await ctx.processes.stop(collector);
    },
  };
}
