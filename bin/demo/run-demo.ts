/**
 * `kiln demo`: the whole loop on one machine. A local Elasticsearch, `kiln collector run`,
 * two agents on this machine (one shipping the machine's real logs from /var/log, one a
 * live demo application log; one of them drifts from its baked baseline), then what arrived:
 * counts per file, sample documents, the fleet with drift and age flags, the policy plan.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setupStorage } from '../../collector/storage/setup.ts';
import { KilnError } from '../../lib/errors.ts';
import { createEsClient } from '../../lib/es.ts';
import { indexNames } from '../../lib/indices.ts';
import { freePort, kilnCacheDir, probe, startLocalEs, stopLocalEs } from '../../lib/local-es/index.ts';
import { startDemoLog } from './app-log.ts';
import { describeDemoBake, startDemoBake } from './demo-bake.ts';
import { type DemoAgent, demoImagesDir, prepareDemoImage, writeDemoPolicy } from './demo-image.ts';
import { writeDemoJournal } from './demo-journal.ts';
import { seedDemoRollout } from './demo-rollout.ts';
import { prepareDemoIdentity } from './identity.ts';
import { type DemoInstanceMetadata, startImdsStandIn } from './imds-stand-in.ts';
import { spawnKiln, stopChild } from './processes.ts';
import { printDemoReport } from './report.ts';

/** Options of `kiln demo`. */
export interface DemoOptions {
  /** Stop by itself after this long (default: run until Ctrl-C). */
  durationMs?: number;
  /** Keep the demo Elasticsearch running after the demo ends. Default false. */
  keepEs: boolean;
  /** Seconds to let data flow before the first report. Default 20 s. */
  warmupMs: number;
  /** Use this Elasticsearch instead of starting a local one (it is left running). */
  esUrl?: string;
  /** Index name prefix. Default `kiln`. */
  indexPrefix?: string;
  say: (line: string) => void;
}

/** Runs the demo; resolves when it was stopped (Ctrl-C or the duration). */
export async function runDemo(options: DemoOptions): Promise<void> {
  const say = options.say;
  process.once('SIGINT', () => stopRequested?.());
  process.once('SIGTERM', () => stopRequested?.());
  // Checked before anything starts: images where drift detection does not look are refused.
  const imagesDir = demoImagesDir();
  const dir = join(kilnCacheDir(), 'demo');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const children: ChildProcess[] = [];
  const stops: Array<() => void> = [];
  let startedEs = false;
  const cleanup = async () => {
    for (const stop of stops) stop();
    for (const child of children.reverse()) await stopChild(child);
    if (startedEs && !options.keepEs) await stopLocalEs('demo');
  };
  try {
    const es = await demoElasticsearch(options, say);
    startedEs = es.started;
    const prefix = options.indexPrefix ?? 'kiln';

    say('2/6 installing index templates and starting the collector…');
    const client = createEsClient({ url: es.url });
    const names = indexNames(prefix);
    await setupStorage(client, names);
    const port = await freePort();
    const policyFile = writeDemoPolicy(dir);
    const identity = prepareDemoIdentity(dir, client, names);
    stops.push(identity.dispose);
    const collector = spawnKiln(
      'kiln',
      [
        'collector',
        'run',
        '--listen',
        `127.0.0.1:${port}`,
        '--es-url',
        es.url,
        '--index-prefix',
        prefix,
        '--silence-after',
        '30s',
        '--policy',
        policyFile,
        '--policy-interval',
        '10s',
        '--config',
        identity.collectorConfig,
      ],
      join(dir, 'collector.log'),
    );
    children.push(collector);
    const collectorUrl = `http://127.0.0.1:${port}`;
    await waitForReady(collectorUrl, collector, join(dir, 'collector.log'));
    say(`    collector at ${collectorUrl} (log: ${join(dir, 'collector.log')})`);

    say(
      identity.mode === 'attested'
        ? '3/6 baking two demo "images" (manifest + baseline); the instances enroll with signed identity documents, no token…'
        : '3/6 baking two demo "images" (manifest + baseline); no openssl here, so each instance gets an enrollment token bound to its id…',
    );
    const appLog = join(dir, 'logs', 'shop.log');
    writeFileSync(appLog, '');
    // Each "instance" gets an IMDSv2 stand-in: its instance and AMI id, group and launch time.
    const agents: DemoAgent[] = [];
    for (const { metadata, files } of demoInstances(Date.now(), appLog)) {
      const imds = await startImdsStandIn(identity.metadataPaths(metadata));
      stops.push(imds.stop);
      const collectorSection = await identity.collectorSection(metadata.instanceId, collectorUrl);
      const place = { workDir: dir, imagesDir, collectorSection, imdsUrl: imds.url };
      const shop = metadata.instanceId === 'i-demo-shop-1';
      const journal = writeDemoJournal(dir, metadata.instanceId, metadata.launchedAt.getTime() + 60_000, {
        app: shop ? 'shop' : 'web',
        oom: shop,
      });
      if (journal.note) say(`    ${journal.note}`);
      agents.push(prepareDemoImage(metadata.instanceId, place, files, journal.inputs));
    }

    // A real `kiln bake` (or, without Packer, a recorded one) runs beside the warm-up.
    const bake = startDemoBake({ workDir: dir, esUrl: es.url, client, names, say });

    say('4/6 starting two agents (kiln-agent run) and a live application log…');
    stops.push(startDemoLog(appLog));
    for (const agent of agents) {
      children.push(
        spawnKiln('kiln-agent', ['run', '--config', agent.configFile], join(dir, `${agent.instanceId}.log`)),
      );
    }
    say(`    agents: ${agents.map((a) => a.instanceId).join(', ')} (logs in ${dir})`);

    say(
      `5/6 letting data flow for ${Math.round(options.warmupMs / 1000)} s, then drifting i-demo-shop-1 (a config file edited in place)…`,
    );
    await sleepOrStop(options.warmupMs / 2);
    agents[1]!.drift();
    await sleepOrStop(options.warmupMs / 2);

    say(describeDemoBake(await bake.done));
    say('6/6 what arrived:');
    const rollout = await seedDemoRollout(client, names.prefix, dir, Date.now());
    await printDemoReport({
      client,
      names,
      esUrl: es.url,
      policyFile,
      say,
      rollout: { prefix: rollout.names.prefix, policyFile: rollout.policyFile },
    });
    await client.close();
    say('');
    say(
      options.durationMs
        ? 'stopping…'
        : 'kiln demo is running: the agents keep shipping. Press Ctrl-C to stop everything it started.',
    );
    await waitForStop(options.durationMs);
  } finally {
    await cleanup();
  }
}

/**
 * The two demo instances: web ships this machine's logs and was launched 7 h ago (past the demo's
 * 6 h max age); shop ships the live application log, was launched 80 min ago, and is the one
 * that drifts.
 */
function demoInstances(
  nowMs: number,
  appLog: string,
): Array<{ metadata: DemoInstanceMetadata; files: unknown[] }> {
  const common = {
    instanceType: 't3.small',
    region: 'eu-west-1',
    availabilityZone: 'eu-west-1a',
    accountId: '123456789012',
  };
  return [
    {
      metadata: {
        ...common,
        instanceId: 'i-demo-web-1',
        imageId: 'ami-0a1b2c3d4e5f60001',
        launchedAt: new Date(nowMs - 7 * 3_600_000),
        autoscalingGroup: 'web',
      },
      files: [{ include: ['/var/log/*.log', '/var/log/apt/*.log'], exclude: ['**/*.gz'] }],
    },
    {
      metadata: {
        ...common,
        instanceId: 'i-demo-shop-1',
        imageId: 'ami-0a1b2c3d4e5f60002',
        launchedAt: new Date(nowMs - 80 * 60_000),
        autoscalingGroup: 'shop',
      },
      files: [
        {
          include: [appLog],
          multiline: { startPattern: '^(\\d{4}-|\\{)', timeoutMs: 500 },
          timestamp: { jsonField: 'time', pattern: '^(\\S+Z) ' },
        },
      ],
    },
  ];
}

/** The demo's cluster: the one given with --es-url, else a fresh local one named `demo`. */
async function demoElasticsearch(
  options: DemoOptions,
  say: (line: string) => void,
): Promise<{ url: string; started: boolean }> {
  if (options.esUrl) {
    const probed = await probe({ url: options.esUrl });
    if (!probed.ok) {
      throw new KilnError(
        'KILN_ERR_ES_UNAVAILABLE',
        `no ready Elasticsearch at ${options.esUrl} (${probed.reason ?? `status ${probed.status}`}); start one with "kiln local-es start" or leave out --es-url`,
      );
    }
    say(`1/6 using Elasticsearch ${probed.version ?? ''} at ${options.esUrl}`);
    return { url: options.esUrl, started: false };
  }
  say('1/6 starting a local Elasticsearch (downloaded once through Maven, then cached)…');
  const es = await startLocalEs({ name: 'demo', heap: '1g', fresh: true }, (m) => say(`    ${m}`));
  say(`    Elasticsearch ${es.version} at ${es.url}`);
  return { url: es.url, started: true };
}

async function waitForReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `the collector exited: ${existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ') : ''}`,
      );
    }
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the collector did not become ready at ${url}`);
}

let stopRequested: (() => void) | undefined;
const stopSignal = new Promise<void>((resolve) => {
  stopRequested = resolve;
});

function sleepOrStop(ms: number): Promise<void> {
  return Promise.race([new Promise<void>((r) => setTimeout(r, ms).unref()), stopSignal]);
}

function waitForStop(durationMs: number | undefined): Promise<void> {
  if (durationMs) return sleepOrStop(durationMs);
  return stopSignal;
}
