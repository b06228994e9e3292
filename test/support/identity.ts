/** Instance identities for tests, as an instance token would carry them. */
import type { InstanceIdentity } from '../../collector/tokens/identity.ts';

/** A token-enrolled identity with the given facts (fields not given are absent). */
export function testIdentity(
  overrides: Partial<InstanceIdentity> & { instanceId: string },
): InstanceIdentity {
  const provenance: InstanceIdentity['provenance'] = {};
  if (overrides.imageId) provenance.image_id = 'claimed';
  if (overrides.bakeId) provenance.bake_id = 'claimed';
  if (overrides.hostname) provenance.host_name = 'claimed';
  return {
    method: 'bound-token',
    agentId: `agt_${overrides.instanceId}`,
    enrolledAt: '2026-01-01T00:00:00.000Z',
    provenance,
    ...overrides,
  };
}

/** An identity attested by an EC2 identity document. */
export function attestedIdentity(
  overrides: Partial<InstanceIdentity> & { instanceId: string },
): InstanceIdentity {
  return {
    method: 'aws-iid',
    agentId: `agt_${overrides.instanceId}`,
    enrolledAt: '2026-01-01T00:00:00.000Z',
    imageId: 'ami-0a1b2c3d',
    accountId: '123456789012',
    region: 'eu-west-1',
    availabilityZone: 'eu-west-1a',
    instanceType: 't3.micro',
    launchTime: '2026-01-01T00:00:00.000Z',
    provenance: {
      image_id: 'attested',
      account_id: 'attested',
      region: 'attested',
      availability_zone: 'attested',
      instance_type: 'attested',
      launch_time: 'attested',
    },
    ...overrides,
  };
}

/** The `cloud.*` the collector stamps for attestedIdentity({ instanceId }) (its defaults). */
export function attestedCloud(instanceId: string): Record<string, unknown> {
  return {
    instance: { id: instanceId },
    provider: 'aws',
    image: { id: 'ami-0a1b2c3d' },
    account: { id: '123456789012' },
    region: 'eu-west-1',
    availability_zone: 'eu-west-1a',
    machine: { type: 't3.micro' },
  };
}
