/**
 * A group on image A, then B rolled out, in moto and in the registry: `web` launches 4 instances
 * from launch-template version 1 (A), then version 2 (B) is set and the group grows to 10, so 6
 * instances run B. In the registry (seeded as of `nowMs`) A's instances ran for two days; 5 of B's
 * 6 went silent 2 minutes after boot, 38 minutes ago. Bake records say B was baked from A.
 */
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { Client } from '@elastic/elasticsearch';
import { bakeRecord } from '../../../bake/store/record.ts';
import type { RegistryDocument } from '../../../lib/fleet.ts';
import type { IndexNames } from '../../../lib/indices.ts';
import { seedRegistry } from '../policy/engine-support.ts';
import { dayMs, registryDoc } from '../policy/fleet-fixture.ts';

/** AWS clients on moto. */
export function awsClients(url: string) {
  return {
    asg: new AutoScalingClient({ endpoint: url, region: 'us-east-1' }),
    ec2: new EC2Client({ endpoint: url, region: 'us-east-1' }),
  };
}

/** Two AMIs moto serves by default. */
export async function twoImages(ec2: EC2Client): Promise<[string, string]> {
  const out = await ec2.send(new DescribeImagesCommand({}));
  const ids = (out.Images ?? []).map((i) => i.ImageId!).sort();
  return [ids[0]!, ids[1]!];
}

/** The group's instances (ids, sorted) and their images. */
export async function groupInstances(
  clients: ReturnType<typeof awsClients>,
  group: string,
): Promise<{ id: string; image: string }[]> {
  const out = await clients.asg.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
  );
  const ids = (out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId!).sort();
  if (ids.length === 0) return [];
  const described = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  const images = new Map(
    (described.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId!, i.ImageId!]),
  );
  return ids.map((id) => ({ id, image: images.get(id)! }));
}

/** The group's launch-template version and that version's AMI. */
export async function groupLaunch(clients: ReturnType<typeof awsClients>, group: string) {
  const out = await clients.asg.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
  );
  const spec = out.AutoScalingGroups![0]!.LaunchTemplate!;
  const versions = await clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateId: spec.LaunchTemplateId!,
      Versions: [spec.Version!],
    }),
  );
  const all = await clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: spec.LaunchTemplateId! }),
  );
  return {
    version: spec.Version!,
    image: versions.LaunchTemplateVersions![0]!.LaunchTemplateData!.ImageId!,
    versions: all.LaunchTemplateVersions!.length,
  };
}

/** Creates launch template `lt-<group>` (A), group `<group>` with 4 A instances, then rolls out B to 6 more. */
export async function rollOut(clients: ReturnType<typeof awsClients>, group: string, a: string, b: string) {
  const lt = await clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `lt-${group}`,
      LaunchTemplateData: { ImageId: a, InstanceType: 't3.micro' },
    }),
  );
  const id = lt.LaunchTemplate!.LaunchTemplateId!;
  await clients.asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: group,
      LaunchTemplate: { LaunchTemplateId: id, Version: '1' },
      MinSize: 0,
      MaxSize: 20,
      DesiredCapacity: 4,
      AvailabilityZones: ['us-east-1a'],
    }),
  );
  const onA = (await groupInstances(clients, group)).map((i) => i.id);
  await clients.ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: id,
      SourceVersion: '1',
      LaunchTemplateData: { ImageId: b, InstanceType: 't3.micro' },
    }),
  );
  await clients.asg.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: group,
      LaunchTemplate: { LaunchTemplateId: id, Version: '2' },
      DesiredCapacity: 10,
    }),
  );
  const onB = (await groupInstances(clients, group)).map((i) => i.id).filter((i) => !onA.includes(i));
  return { templateId: id, onA, onB };
}

/** Registry documents of the rollout: A's instances healthy for 2 days, B's silent after 2 minutes but one. */
export function rolloutRegistry(
  nowMs: number,
  group: string,
  a: string,
  b: string,
  onA: string[],
  onB: string[],
): RegistryDocument[] {
  const minute = 60_000;
  return [
    ...onA.map((id, n) => registryDoc({ id, ageMs: 2 * dayMs + n * minute, group, image: a }, nowMs)),
    ...onB.map((id, n) =>
      n === 0
        ? registryDoc({ id, ageMs: 40 * minute, group, image: b }, nowMs)
        : registryDoc(
            // Distinct ages (oldest first is deterministic), each last heard 2 minutes after launch.
            {
              id,
              ageMs: 40 * minute + n * 1000,
              silentForMs: 38 * minute + n * 1000,
              group,
              image: b,
              status: 'silent',
            },
            nowMs,
          ),
    ),
  ];
}

/** Seeds the registry and the bakes of A and B (B baked from A). */
export async function seedRollout(
  client: Client,
  names: IndexNames,
  docs: RegistryDocument[],
  a: string,
  b: string,
  nowMs: number,
): Promise<void> {
  await seedRegistry(client, names, docs);
  const at = (ms: number) => new Date(ms).toISOString();
  const common = { template: 'web.pkr.hcl', inputs: {}, status: 'succeeded' as const };
  for (const r of [
    bakeRecord({
      ...common,
      id: 'bake-a',
      key: 'k-a',
      started_at: at(nowMs - 3 * dayMs),
      artifacts: [`us-east-1:${a}`],
    }),
    bakeRecord({
      ...common,
      id: 'bake-b',
      key: 'k-b',
      started_at: at(nowMs - dayMs),
      artifacts: [`us-east-1:${b}`],
      source_image: a,
      parent_bake: 'bake-a',
    }),
  ]) {
    await client.index({ index: names.state('bakes'), id: r.kiln.bake.id, document: r, refresh: true });
  }
}
