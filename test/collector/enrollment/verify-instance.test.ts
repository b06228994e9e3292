/**
 * `enrollment.aws.verifyInstance`: the collector asks EC2 (DescribeInstances, against moto in
 * server mode) that an attested instance runs, and takes its Auto Scaling group from EC2, not
 * from the instance. Identity documents are signed by `openssl` with a test key the collector
 * trusts; the instance ids are moto's own.
 */

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIidSigner } from '../../../bin/demo/iid-signer.ts';
import { ec2DescribeInstance } from '../../../collector/enrollment/aws-iid/describe.ts';
import { CollectorServer } from '../../../collector/ingest/server.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { silentLogger } from '../../../lib/log.ts';
import {
  instanceMetadata,
  postEnroll,
  secretFor,
  signedDocument,
  testAccount,
} from '../../support/attested.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { type MotoServer, motoCredentials, startMoto } from '../../support/moto.ts';

const client = testEsClient();
const names = uniqueNames('verify-ec2');
const signer = createIidSigner('dsa');
let moto: MotoServer;
let ec2: EC2Client;
const servers: CollectorServer[] = [];

async function collector(allow: Record<string, unknown>): Promise<string> {
  const server = new CollectorServer({
    client,
    names,
    log: silentLogger,
    port: 0,
    enrollment: {
      aws: { allow: { accounts: [testAccount], ...allow }, verifyInstance: { enabled: true } },
      failedAttempts: { burst: 100, perMinute: 100 },
    },
    trustedCertificates: [new X509Certificate(readFileSync(signer.certFile))],
    describe: ec2DescribeInstance(moto.url),
  });
  servers.push(server);
  return server.start();
}

const attest = (instanceId: string) => ({
  attestation: {
    type: 'aws-iid',
    ...signedDocument(signer, instanceMetadata(instanceId, { region: 'us-east-1' })),
  },
  enrollmentSecret: secretFor(instanceId),
});

beforeAll(async () => {
  Object.assign(process.env, motoCredentials);
  moto = await startMoto();
  ec2 = new EC2Client({ endpoint: moto.url, region: 'us-east-1' });
  await setupStorage(client, names);
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  ec2?.destroy();
  await moto?.stop();
  signer.dispose();
  await dropPrefix(client, names);
  await client.close();
});

describe('verifyInstance against EC2 (moto)', () => {
  it('admits a running instance, refuses one EC2 does not know or that was terminated', async () => {
    const url = await collector({});
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2 }),
    );
    const [running, doomed] = run.Instances!.map((i) => i.InstanceId!);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [doomed!] }));
    const ok = await postEnroll(url, attest(running!));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ instanceId: running, method: 'aws-iid' });
    const gone = await postEnroll(url, attest(doomed!));
    expect(gone.status).toBe(403);
    expect(gone.body.error).toEqual({
      code: 'not_running',
      reason: `EC2 says instance ${doomed} is terminated`,
    });
    const unknown = await postEnroll(url, attest('i-0000000000000dead'));
    expect(unknown.status).toBe(403);
    expect(unknown.body.error).toEqual({
      code: 'not_running',
      reason: 'EC2 says instance i-0000000000000dead is unknown',
    });
  });

  it('takes the Auto Scaling group from EC2 for the allow rule', async () => {
    const asg = new AutoScalingClient({ endpoint: moto.url, region: 'us-east-1' });
    try {
      await ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: 'kiln-verify',
          LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' },
        }),
      );
      for (const name of ['web', 'batch']) {
        await asg.send(
          new CreateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            LaunchTemplate: { LaunchTemplateName: 'kiln-verify', Version: '$Latest' },
            MinSize: 1,
            MaxSize: 1,
            DesiredCapacity: 1,
            AvailabilityZones: ['us-east-1a'],
          }),
        );
      }
      const member = async (name: string) =>
        (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
          .AutoScalingGroups![0]!.Instances![0]!.InstanceId!;
      const url = await collector({ autoscalingGroups: ['web'] });
      expect((await postEnroll(url, attest(await member('web')))).status).toBe(200);
      const outsider = await postEnroll(url, attest(await member('batch')));
      expect(outsider.status).toBe(403);
      expect(outsider.body.error?.reason).toBe(
        "the instance's Auto Scaling group (batch) is not in enrollment.aws.allow.autoscalingGroups",
      );
    } finally {
      asg.destroy();
    }
  });
});
