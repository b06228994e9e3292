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

/** The agent's encoder of plain lines (no JSON parsing, no timestamp pattern), as the agent runs by default. */
export function benchEncoder(identity: InstanceIdentity): LogEventEncoder {
  return new LogEventEncoder(
    { instanceId: identity.instanceId, hostname: 'vm', bootId: '3a732409-8f91-4bb6-9967-e4d46ce3bb29' },
    { timestamp: undefined, json: false },
  );
}
