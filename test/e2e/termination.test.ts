/**
 * Termination that waits for the last line, end to end: an Auto Scaling group in moto with a
 * terminate lifecycle hook, the IMDSv2 stand-in telling the agent its target lifecycle state,
 * the bundled agent (journal + file) and collector (`--lifecycle-hooks`) as processes. The
 * agent drains and reports; the collector completes the lifecycle action exactly once, after
 * the last entry is in Elasticsearch.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  PutLifecycleHookCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImdsStandIn, startImdsStandIn } from '../../bin/demo/imds-stand-in.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import { dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import { entry, writeJournal } from '../support/journal.ts';
import { type MotoServer, motoCredentials, startMoto } from '../support/moto.ts';
import {
  countLogs,
  type Proc,
  prepareAgent,
  startAgent,
  startCollector,
  waitFor,
  writeAgentConfig,
} from './harness.ts';

const client = testEsClient();
const names = uniqueNames('e2e-term');
const running: Proc[] = [];
const stops: Array<() => void> = [];
let moto: MotoServer;
let asg: AutoScalingClient;
let ec2: EC2Client;
const t0 = 1_790_000_000_000_000;

beforeAll(async () => {
  Object.assign(process.env, motoCredentials);
  moto = await startMoto({ lifecycleHooks: true });
  asg = new AutoScalingClient({ endpoint: moto.url, region: 'us-east-1' });
  ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1' });
  await setupStorage(client, names);
});

afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  for (const stop of stops) stop();
  asg?.destroy();
  ec2?.destroy();
  await moto?.stop();
  await dropPrefix(client, names);
  await client.close();
});

async function registryTermination(id: string): Promise<RegistryDocument['kiln']['termination']> {
  const got = await client.get<RegistryDocument>({ index: names.state('registry'), id }, { ignore: [404] });
  return got._source?.kiln.termination;
}

/** The instance's lifecycle reports (heartbeats left out), oldest first. */
async function lifecycleReports(id: string): Promise<Record<string, any>[]> {
  await client.indices.refresh({ index: names.pattern('lifecycle') });
  const reports = await client.search<Record<string, any>>({
    index: names.pattern('lifecycle'),
    size: 10,
    query: {
      bool: {
        filter: [{ term: { 'cloud.instance.id': id } }],
        must_not: [{ term: { 'kiln.kind': 'heartbeat' } }],
      },
    },
    sort: [{ '@timestamp': 'asc' }],
  });
  return reports.hits.hits.map((h) => h._source!.kiln.lifecycle);
}

describe('termination that waits for the last line', () => {
  it('Terminating:Wait → the agent drains and reports → one CompleteLifecycleAction, after the last entry is stored', async () => {
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'kiln-web',
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' },
      }),
    );
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web',
        LaunchTemplate: { LaunchTemplateName: 'kiln-web', Version: '$Latest' },
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    await asg.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'web',
        LifecycleHookName: 'kiln-last-line',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 600,
        DefaultResult: 'CONTINUE',
      }),
    );
    const group = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }));
    const instanceId = group.AutoScalingGroups![0]!.Instances![0]!.InstanceId!;

    const collector = await startCollector(testEsUrl(), names, undefined, [
      '--lifecycle-hooks',
      '--aws-endpoint',
      moto.url,
      '--aws-region',
      'us-east-1',
    ]);
    running.push(collector);
    // The instance's metadata: the real IMDSv2 protocol, its lifecycle state set as AWS would.
    const paths = new Map([
      ['meta-data/instance-id', instanceId],
      ['meta-data/autoscaling/target-lifecycle-state', 'InService'],
    ]);
    const imds: ImdsStandIn = await startImdsStandIn(paths);
    stops.push(imds.stop);

    const dirs = await prepareAgent(client, names, 'term');
    const journal = join(dirs.base, 'journal');
    mkdirSync(journal);
    const appLog = join(dirs.logs, 'app.log');
    const journalLines = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) =>
        entry('boot-t', t0 + (from + i) * 1000, `journal line ${from + i}`),
      );
    const fileLines = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `2026-11-22T10:00:00Z app line ${from + i}\n`).join('');
    await writeJournal(journal, journalLines(0, 1000));
    writeFileSync(appLog, fileLines(0, 500));
    writeAgentConfig(dirs, collector.url, instanceId, [{ include: [appLog] }], {
      inputs: {
        files: [{ include: [appLog] }],
        journald: [{ directory: journal, all: true, pollIntervalMs: 200 }],
        scanIntervalMs: 200,
      },
      facts: { enabled: false, imdsUrl: imds.url, imdsTimeoutMs: 500 },
      termination: { enabled: true, pollIntervalMs: 300 },
      shutdown: { deadlineMs: 30_000 },
    });
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('1500 lines', async () => (await countLogs(client, names, instanceId)) >= 1500, 120_000);

    // The last lines, then the group starts terminating the instance.
    await writeJournal(journal, journalLines(1000, 200));
    appendFileSync(appLog, fileLines(500, 100));
    await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: instanceId,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const waiting = await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    expect(waiting.AutoScalingInstances![0]!.LifecycleState).toBe('Terminating:Wait');
    paths.set('meta-data/autoscaling/target-lifecycle-state', 'Terminated');

    const code = await Promise.race([
      agent.exited,
      new Promise((r) => setTimeout(() => r('still running'), 90_000)),
    ]);
    expect(code).toBe(0);
    expect(agent.output()).toMatch(/Auto Scaling termination notice/);
    await waitFor(
      'the lifecycle action completed',
      async () => (await registryTermination(instanceId))?.state === 'completed',
      60_000,
    );

    expect(await countLogs(client, names, instanceId)).toBe(1800);
    const calls = (await moto.calls('CompleteLifecycleAction')).filter(
      (p) => p.get('InstanceId') === instanceId,
    );
    expect(
      calls.map((p) => [
        p.get('AutoScalingGroupName'),
        p.get('LifecycleHookName'),
        p.get('LifecycleActionResult'),
      ]),
    ).toEqual([['web', 'kiln-last-line', 'CONTINUE']]);
    const termination = await registryTermination(instanceId);
    expect(termination).toMatchObject({
      state: 'completed',
      kind: 'autoscaling',
      trigger: 'report',
      complete: true,
      group: 'web',
    });
    const lastStored = await client.search<Record<string, any>>({
      index: names.pattern('logs'),
      size: 1,
      query: { term: { 'cloud.instance.id': instanceId } },
      sort: [{ 'event.ingested': 'desc' }],
    });
    const lastIngested = Date.parse(lastStored.hits.hits[0]!._source!.event.ingested);
    expect(Date.parse(termination!.completed_at!)).toBeGreaterThanOrEqual(lastIngested);
    const state = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    expect(state.Reservations![0]!.Instances![0]!.State!.Name).toBe('terminated');

    const phases = await lifecycleReports(instanceId);
    expect(phases.map((l) => l.phase)).toEqual([
      'start',
      'termination_notice',
      'shutdown',
      'shutdown',
      'shutdown',
    ]);
    expect(phases.at(-1)).toMatchObject({
      final: true,
      complete: true,
      sources: 2,
      termination: 'autoscaling',
    });
  });

  it('a spot interruption notice drains at once: every line stored and the final report complete before the agent exits', async () => {
    const instanceId = 'i-0spot00000000001';
    const collector = await startCollector(testEsUrl(), names);
    running.push(collector);
    const paths = new Map([['meta-data/instance-id', instanceId]]);
    const imds: ImdsStandIn = await startImdsStandIn(paths);
    stops.push(imds.stop);
    const dirs = await prepareAgent(client, names, 'spot');
    const appLog = join(dirs.logs, 'app.log');
    const lines = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `2026-11-22T10:00:00Z spot line ${from + i}\n`).join('');
    writeFileSync(appLog, lines(0, 400));
    writeAgentConfig(dirs, collector.url, instanceId, [{ include: [appLog] }], {
      inputs: { files: [{ include: [appLog] }], scanIntervalMs: 200 },
      facts: { enabled: false, imdsUrl: imds.url, imdsTimeoutMs: 500 },
      termination: { enabled: true, pollIntervalMs: 300 },
      shutdown: { deadlineMs: 30_000 },
    });
    const agent = startAgent(dirs);
    running.push(agent);
    await waitFor('400 lines', async () => (await countLogs(client, names, instanceId)) >= 400, 120_000);

    // The last lines, then EC2 posts the interruption notice two minutes ahead, as AWS does.
    appendFileSync(appLog, lines(400, 150));
    const time = new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z');
    paths.set('meta-data/spot/instance-action', JSON.stringify({ action: 'terminate', time }));
    const code = await Promise.race([
      agent.exited,
      new Promise((r) => setTimeout(() => r('still running'), 90_000)),
    ]);
    expect(code).toBe(0);
    expect(agent.output()).toMatch(/spot interruption notice: terminate at /);
    expect(await countLogs(client, names, instanceId)).toBe(550);

    const phases = await lifecycleReports(instanceId);
    expect(phases[1]).toMatchObject({ phase: 'termination_notice', termination: 'spot' });
    expect(phases.at(-1)).toMatchObject({
      phase: 'shutdown',
      final: true,
      complete: true,
      termination: 'spot',
    });
    await waitFor(
      'the registry saw the report',
      async () => (await registryTermination(instanceId))?.state === 'reported',
      30_000,
    );
    expect(await registryTermination(instanceId)).toMatchObject({
      kind: 'spot',
      state: 'reported',
      complete: true,
    });
  });
});
