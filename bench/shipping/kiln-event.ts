/** The instance the benchmarks' kiln documents come from, and the agent's encoder for its lines. */
import { LogEventEncoder } from '../../agent/sources/file/event-builder.ts';
import type { InstanceIdentity } from '../../collector/tokens/identity.ts';

/** The identity the collector stamps on the benchmarks' documents. */
export function benchIdentity(): InstanceIdentity {
  return {
    instanceId: 'i-bench-0001',
    method: 'fleet-token',
    agentId: 'agt_0839bd4332f6edc6059009a1',
    enrolledAt: new Date().toISOString(),
    hostname: 'vm',
    provenance: {},
  };
}

/**
 * An instance enrolled with a signed AWS identity document: what the collector stamps on the
 * log lines of a fleet on EC2 (account, region, zone, type, image and bake on every line).
 */
export function benchAwsIdentity(): InstanceIdentity {
  return {
    ...benchIdentity(),
    method: 'aws-iid',
    instanceId: 'i-0b22a22eec53b9321',
    imageId: 'ami-0f3a9c0e2b7d41a65',
    bakeId: 'bk_20261202_web_7f3e',
    accountId: '123456789012',
    region: 'eu-west-1',
    availabilityZone: 'eu-west-1b',
    instanceType: 'm7g.large',
    launchTime: '2026-12-02T08:00:00.000Z',
    autoscalingGroup: 'web-asg',
  };
}

/** The agent's encoder of plain lines (no JSON parsing, no timestamp pattern), as the agent runs by default. */
export function benchEncoder(identity: InstanceIdentity): LogEventEncoder {
  return new LogEventEncoder(
    { instanceId: identity.instanceId, hostname: 'vm', bootId: '3a732409-8f91-4bb6-9967-e4d46ce3bb29' },
    { timestamp: undefined, json: false },
  );
}
