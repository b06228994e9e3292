/**
 * IMDSv2 against a local HTTP endpoint. EC2 instance metadata cannot run here, so kiln's IMDSv2
 * stand-in (bin/demo/imds-stand-in.ts) serves it, following the real protocol
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html):
 * PUT /latest/api/token needs the TTL header (400 without), every GET needs the token (401
 * without or with a wrong one), unknown paths are 404. Plus the off-cloud case: a closed port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCloudFacts, ImdsClient } from '../../../agent/facts/imds.ts';
import { type ImdsStandIn, startImdsStandIn } from '../../../bin/demo/imds-stand-in.ts';
import { freePort } from '../../../lib/local-es/index.ts';

const metadata = new Map([
  ['meta-data/instance-id', 'i-0a1b2c3d4e5f60718'],
  ['meta-data/ami-id', 'ami-0123456789abcdef0'],
  ['meta-data/instance-type', 't3.small'],
  ['meta-data/placement/availability-zone', 'eu-west-1b'],
  ['meta-data/placement/region', 'eu-west-1'],
  ['meta-data/autoscaling/target-lifecycle-state', 'InService'],
  [
    'dynamic/instance-identity/document',
    JSON.stringify({
      accountId: '123456789012',
      architecture: 'x86_64',
      availabilityZone: 'eu-west-1b',
      imageId: 'ami-0123456789abcdef0',
      instanceId: 'i-0a1b2c3d4e5f60718',
      instanceType: 't3.small',
      pendingTime: '2026-05-01T07:59:40Z',
      region: 'eu-west-1',
      version: '2017-09-30',
    }),
  ],
]);

describe('IMDSv2 client', () => {
  let server: ImdsStandIn;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = await startImdsStandIn(metadata, { onRequest: (request) => seen.push(request) });
    url = server.url;
  });
  afterAll(() => server.stop());

  it('the endpoint refuses a GET without a token (401), as IMDSv2 does', async () => {
    const response = await fetch(`${url}/latest/meta-data/instance-id`);
    expect(response.status).toBe(401);
  });

  it('gets a token once, then reads every fact with it', async () => {
    seen.length = 0;
    expect(await fetchCloudFacts({ baseUrl: url, timeoutMs: 1000 })).toEqual({
      provider: 'aws',
      instanceId: 'i-0a1b2c3d4e5f60718',
      imageId: 'ami-0123456789abcdef0',
      instanceType: 't3.small',
      region: 'eu-west-1',
      availabilityZone: 'eu-west-1b',
      accountId: '123456789012',
      launchTime: '2026-05-01T07:59:40.000Z',
      lifecycleState: 'InService',
    });
    expect(seen.filter((s) => s.startsWith('PUT'))).toEqual(['PUT /latest/api/token']);
    expect(seen).toContain('GET /latest/meta-data/spot/instance-action');
  });

  it('reads nothing with a token the service refuses', async () => {
    const imds = new ImdsClient({ baseUrl: `${url}/wrong-prefix`, timeoutMs: 1000 });
    expect(await imds.token()).toBeUndefined();
    expect(await imds.get('meta-data/instance-id')).toBeUndefined();
  });

  it('off-cloud (nothing listening) there are no cloud facts and no error', async () => {
    const closed = await freePort();
    expect(await fetchCloudFacts({ baseUrl: `http://127.0.0.1:${closed}`, timeoutMs: 300 })).toBeUndefined();
  });
});
