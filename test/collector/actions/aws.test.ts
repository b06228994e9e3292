import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsAsgAction, createAwsEc2TerminateAction } from '../../../collector/actions/aws.ts';
import { planDecisions } from '../../../collector/policy/planner.ts';
import { type MotoServer, motoCredentials, startMoto } from '../../support/moto.ts';
import { dayMs, policyOf, registryDoc } from '../policy/fleet-fixture.ts';

let moto: MotoServer;
let asg: AutoScalingClient;
let ec2: EC2Client;

beforeAll(async () => {
  Object.assign(process.env, motoCredentials);
  moto = await startMoto();
  asg = new AutoScalingClient({ endpoint: moto.url, region: 'us-east-1' });
  ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1' });
});

afterAll(async () => {
  asg?.destroy();
  ec2?.destroy();
  await moto?.stop();
});

async function groupState(name: string) {
  const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const group = out.AutoScalingGroups![0]!;
  return {
    desired: group.DesiredCapacity,
    instances: (group.Instances ?? []).map((i) => i.InstanceId!).sort(),
  };
}

async function instanceState(id: string): Promise<string | undefined> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

function requestFor(instanceId: string, group: string | undefined, type: 'aws-asg' | 'aws-ec2-terminate') {
  const doc = registryDoc({ id: instanceId, ageMs: 30 * dayMs, ...(group ? { group } : {}) });
  const policy = policyOf({
    maxAge: '7d',
    action: { type, endpoint: moto.url, region: 'us-east-1' },
    safety: { minHealthyShare: 0 },
  });
  const [decision] = planDecisions([doc], policy, Date.now(), []);
  return {
    decision: decision!,
    instance: doc,
    policyName: 'test',
    attempt: 1,
    decidedAt: new Date().toISOString(),
  };
}

describe('AWS actions against moto in server mode', () => {
  it('aws-asg terminates the instance in its group without decrementing desired capacity', async () => {
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
        MinSize: 3,
        MaxSize: 3,
        DesiredCapacity: 3,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    const before = await groupState('web');
    expect(before.desired).toBe(3);
    expect(before.instances).toHaveLength(3);
    const victim = before.instances[0]!;

    const action = createAwsAsgAction({ type: 'aws-asg', endpoint: moto.url, region: 'us-east-1' });
    const result = await action.run(requestFor(victim, 'web', 'aws-asg'));
    expect(result.ok).toBe(true);
    expect(result.statusCode).toBe(200);

    const after = await groupState('web');
    expect(after.desired).toBe(3);
    expect(after.instances).toHaveLength(3);
    expect(after.instances).not.toContain(victim);
    expect(after.instances.filter((id) => !before.instances.includes(id))).toHaveLength(1);
    expect(await instanceState(victim)).toBe('terminated');
  });

  it('aws-asg reports an unreachable endpoint as a failure (a value, not a throw) for the engine to retry', async () => {
    const action = createAwsAsgAction({
      type: 'aws-asg',
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
    });
    const result = await action.run(requestFor('i-0123456789abcdef0', 'web', 'aws-asg'));
    expect(result.ok).toBe(false);
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('aws-ec2-terminate terminates an instance outside any group', async () => {
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1 }),
    );
    const id = run.Instances![0]!.InstanceId!;
    expect(await instanceState(id)).toBe('running');
    const action = createAwsEc2TerminateAction({
      type: 'aws-ec2-terminate',
      endpoint: moto.url,
      region: 'us-east-1',
    });
    const result = await action.run(requestFor(id, undefined, 'aws-ec2-terminate'));
    expect(result).toMatchObject({ ok: true, statusCode: 200, detail: { previous_state: 'running' } });
    expect(await instanceState(id)).toBe('terminated');
  });
});
