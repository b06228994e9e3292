/**
 * Completing Auto Scaling terminate lifecycle actions, against moto (with the lifecycle hooks
 * moto lacks, test/support/moto_lifecycle.py) and the real Elasticsearch: after the agent's
 * final report, two collectors at once make exactly one CompleteLifecycleAction; without a
 * report the deadline completes it; an instance nobody holds is left alone.
 */
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
import {
  buildFinalReportEvent,
  buildTerminationNoticeEvent,
} from '../../../agent/runtime/lifecycle-events.ts';
import { applyEventsToRegistry } from '../../../collector/registry/index.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { LifecycleHooks, TerminationCompleter } from '../../../collector/termination/index.ts';
import type { RegistryDocument } from '../../../lib/fleet.ts';
import { createLogger } from '../../../lib/log.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { type MotoServer, motoCredentials, startMoto } from '../../support/moto.ts';

const client = testEsClient();
const names = uniqueNames('term');
const log = createLogger('test', { level: 'error' });
let moto: MotoServer;
let asg: AutoScalingClient;
let ec2: EC2Client;
let hooks: LifecycleHooks;
let instances: string[] = [];

beforeAll(async () => {
  Object.assign(process.env, motoCredentials);
  moto = await startMoto({ lifecycleHooks: true });
  asg = new AutoScalingClient({ endpoint: moto.url, region: 'us-east-1' });
  ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1' });
  hooks = new LifecycleHooks({ endpoint: moto.url, region: 'us-east-1' });
  await setupStorage(client, names);
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'kiln-shop',
      LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' },
    }),
  );
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'shop',
      LaunchTemplate: { LaunchTemplateName: 'kiln-shop', Version: '$Latest' },
      MinSize: 3,
      MaxSize: 3,
      DesiredCapacity: 3,
      AvailabilityZones: ['us-east-1a'],
    }),
  );
  await asg.send(
    new PutLifecycleHookCommand({
      AutoScalingGroupName: 'shop',
      LifecycleHookName: 'kiln-drain',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      HeartbeatTimeout: 300,
      DefaultResult: 'CONTINUE',
    }),
  );
  const group = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['shop'] }));
  instances = group.AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId!).sort();
});

afterAll(async () => {
  hooks?.destroy();
  asg?.destroy();
  ec2?.destroy();
  await moto?.stop();
  await dropPrefix(client, names);
  await client.close();
});

async function lifecycleState(id: string): Promise<string | undefined> {
  const out = await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }));
  return out.AutoScalingInstances?.[0]?.LifecycleState;
}

async function ec2State(id: string): Promise<string | undefined> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

async function terminationOf(id: string): Promise<RegistryDocument['kiln']['termination']> {
  const got = await client.get<RegistryDocument>({ index: names.state('registry'), id });
  return got._source!.kiln.termination;
}

/** What the agent would have sent: the notice, then (optionally) the final report. */
async function agentSays(instanceId: string, atMs: number, report: boolean): Promise<void> {
  const identity = { instanceId, hostname: 'shop', bootId: 'b' };
  const notice = buildTerminationNoticeEvent(identity, 'run', atMs, {
    kind: 'autoscaling',
    targetState: 'Terminated',
    message: 'Auto Scaling termination notice',
  });
  const events = [notice];
  if (report) {
    events.push(
      buildFinalReportEvent(identity, 'run', atMs + 500, 'Auto Scaling termination', {
        complete: true,
        sources: 2,
        termination: 'autoscaling',
      }),
    );
  }
  const token = {
    instanceId,
    method: 'bound-token' as const,
    agentId: `agent-${instanceId}`,
    enrolledAt: new Date(atMs).toISOString(),
    provenance: {},
  };
  await applyEventsToRegistry(client, names, token, events, atMs + 600);
}

const completer = (collectorId: string, deadlineMs = 3_600_000) =>
  new TerminationCompleter({ client, names, hooks, collectorId, deadlineMs, claimTimeoutMs: 60_000, log });

describe('termination completer', () => {
  it('after the final report, two collectors at once complete the lifecycle action exactly once', async () => {
    const victim = instances[0]!;
    await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: victim,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    expect(await lifecycleState(victim)).toBe('Terminating:Wait');
    await agentSays(victim, Date.now(), true);
    expect((await terminationOf(victim))?.state).toBe('reported');

    await Promise.all([completer('collector-a').check(victim), completer('collector-b').check(victim)]);

    const calls = (await moto.calls('CompleteLifecycleAction')).filter((p) => p.get('InstanceId') === victim);
    expect(calls.map((p) => Object.fromEntries(p))).toEqual([
      expect.objectContaining({
        AutoScalingGroupName: 'shop',
        LifecycleHookName: 'kiln-drain',
        InstanceId: victim,
        LifecycleActionResult: 'CONTINUE',
      }),
    ]);
    expect(await terminationOf(victim)).toMatchObject({
      state: 'completed',
      trigger: 'report',
      group: 'shop',
      hook: 'kiln-drain',
      complete: true,
    });
    expect(await ec2State(victim)).toBe('terminated');
    // A later sweep and a re-delivered report change nothing.
    await agentSays(victim, Date.now() - 60_000, true);
    await completer('collector-a').sweep();
    expect(
      (await moto.calls('CompleteLifecycleAction')).filter((p) => p.get('InstanceId') === victim),
    ).toHaveLength(1);
  });

  it('completes on the deadline when no report comes', async () => {
    const victim = instances[1]!;
    await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: victim,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    await agentSays(victim, Date.now(), false);
    const withDeadline = completer('collector-a', 1000);
    await withDeadline.check(victim);
    expect((await terminationOf(victim))?.state).toBe('pending');
    await new Promise((r) => setTimeout(r, 1100));
    await client.indices.refresh({ index: names.state('registry') });
    await withDeadline.sweep();
    expect(await terminationOf(victim)).toMatchObject({ state: 'completed', trigger: 'deadline' });
    expect(
      (await moto.calls('CompleteLifecycleAction')).filter((p) => p.get('InstanceId') === victim),
    ).toHaveLength(1);
    expect(await ec2State(victim)).toBe('terminated');
  });

  it('leaves an instance alone when no lifecycle action waits for it', async () => {
    const running = instances[2]!;
    await agentSays(running, Date.now(), true);
    await completer('collector-a').check(running);
    expect(await terminationOf(running)).toMatchObject({
      state: 'not_waiting',
      error: 'lifecycle state is InService',
    });
    expect(
      (await moto.calls('CompleteLifecycleAction')).filter((p) => p.get('InstanceId') === running),
    ).toHaveLength(0);
    expect(await lifecycleState(running)).toBe('InService');
  });
});
