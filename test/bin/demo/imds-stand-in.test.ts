/** The demo's IMDSv2 stand-in follows the protocol the agent's real client speaks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCloudFacts } from '../../../agent/facts/imds.ts';
import { type ImdsStandIn, metadataPaths, startImdsStandIn } from '../../../bin/demo/imds-stand-in.ts';

let imds: ImdsStandIn;
const launchedAt = new Date('2026-12-01T08:00:00.000Z');

beforeAll(async () => {
  imds = await startImdsStandIn(
    metadataPaths({
      instanceId: 'i-0123',
      imageId: 'ami-0a1b2c3d4e5f60001',
      instanceType: 't3.small',
      region: 'eu-west-1',
      availabilityZone: 'eu-west-1a',
      accountId: '123456789012',
      launchedAt,
      autoscalingGroup: 'web',
    }),
  );
});
afterAll(() => imds.stop());

describe('demo IMDSv2 stand-in', () => {
  it('refuses a GET without a session token, and a token request without a TTL', async () => {
    expect((await fetch(`${imds.url}/latest/meta-data/instance-id`)).status).toBe(401);
    expect((await fetch(`${imds.url}/latest/api/token`, { method: 'PUT' })).status).toBe(400);
    const token = await (
      await fetch(`${imds.url}/latest/api/token`, {
        method: 'PUT',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
      })
    ).text();
    const wrong = await fetch(`${imds.url}/latest/meta-data/instance-id`, {
      headers: { 'x-aws-ec2-metadata-token': `${token}x` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${imds.url}/latest/meta-data/instance-id`, {
      headers: { 'x-aws-ec2-metadata-token': token },
    });
    expect(await right.text()).toBe('i-0123');
  });

  it('gives the agent its cloud facts, launch time included', async () => {
    expect(await fetchCloudFacts({ baseUrl: imds.url, timeoutMs: 2000 })).toEqual({
      provider: 'aws',
      instanceId: 'i-0123',
      imageId: 'ami-0a1b2c3d4e5f60001',
      instanceType: 't3.small',
      availabilityZone: 'eu-west-1a',
      region: 'eu-west-1',
      accountId: '123456789012',
      launchTime: launchedAt.toISOString(),
      lifecycleState: 'InService',
      autoscalingGroup: 'web',
    });
  });
});
