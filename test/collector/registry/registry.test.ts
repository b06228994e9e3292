/**
 * The fleet registry against the real Elasticsearch: boot facts and drift events are stored with
 * the BulkWriter, then applied to the registry; a silent instance turns silent; two collectors
 * updating one instance at once lose nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDriftEvent } from '../../../agent/drift/event.ts';
import { buildFactsEvent, type CollectedFacts } from '../../../agent/facts/document.ts';
import { buildHeartbeatEvent } from '../../../agent/heartbeat.ts';
import type { AgentIdentity } from '../../../agent/pipeline/source.ts';
import { stampIdentity } from '../../../collector/ingest/stamp.ts';
import {
  applyEventsToRegistry,
  listInstances,
  markSilentInstances,
} from '../../../collector/registry/index.ts';
import type { BulkItem } from '../../../collector/storage/bulk-writer/encoder.ts';
import { BulkWriter } from '../../../collector/storage/bulk-writer/writer.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import type { RegistryDocument } from '../../../lib/fleet.ts';
import type { IndexNames } from '../../../lib/indices.ts';
import type { WireEvent } from '../../../lib/wire.ts';
import { countDocs, dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { attestedIdentity, testIdentity } from '../../support/identity.ts';

const boot = Date.UTC(2026, 4, 1, 8, 0, 0);
const identity: AgentIdentity = {
  instanceId: 'i-0a1b2c3d4e5f60718',
  hostname: 'ip-10-0-1-17',
  bootId: '8d6f2a8e-3c1b-4d7e-9f00-1a2b3c4d5e6f',
  imageId: 'ami-0123456789abcdef0',
  bakeId: 'bake-42',
};
/** What the collector attested at enrollment (the signed document, the bakes index). */
const collectorIdentity = attestedIdentity({
  instanceId: identity.instanceId,
  imageId: 'ami-0123456789abcdef0',
  bakeId: 'bake-42',
  hostname: 'ip-10-0-1-17',
  availabilityZone: 'eu-west-1b',
  instanceType: 't3.small',
  launchTime: new Date(boot - 20_000).toISOString(),
  enrolledAt: new Date(boot + 10_000).toISOString(),
  provenance: {
    ...attestedIdentity({ instanceId: 'x' }).provenance,
    bake_id: 'collector',
    host_name: 'claimed',
  },
});
/** As the ingest stores them: stamped with the token's identity. */
const stamped = (events: WireEvent[]) =>
  events.map((e) => stampIdentity(e, collectorIdentity, new Date(boot + 900_000).toISOString()));

function facts(): CollectedFacts {
  return {
    host: {
      hostname: 'ip-10-0-1-17',
      bootId: identity.bootId,
      machineId: 'ec2a6f1e0b7d4c2a9e8f7d6c5b4a3921',
      os: { name: 'Debian GNU/Linux', version: '12', kernel: '6.1.0-28-cloud-amd64', platform: 'linux' },
      architecture: 'x86_64',
      cpus: 2,
      memoryBytes: 4_096_000_000,
      ips: ['10.0.1.17', 'fd00::17'],
      macs: ['0a:1b:2c:3d:4e:5f'],
      bootTime: new Date(boot).toISOString(),
      uptimeSeconds: 30,
    },
    cloud: {
      provider: 'aws',
      instanceId: identity.instanceId,
      imageId: 'ami-0123456789abcdef0',
      instanceType: 't3.small',
      region: 'eu-west-1',
      availabilityZone: 'eu-west-1b',
      accountId: '123456789012',
      launchTime: new Date(boot - 20_000).toISOString(),
      autoscalingGroup: 'web-asg',
    },
    image: {
      baked: true,
      manifest: { bakeId: 'bake-42', name: 'web', version: '2026.05.01', baselineDigest: 'sha256:aa' },
    },
    agentVersion: '0.1.0',
    configDigest: 'sha256:cfg',
  };
}

function toItems(names: IndexNames, events: WireEvent[]): BulkItem[] {
  const family = {
    facts: 'facts',
    drift: 'drift',
    heartbeat: 'lifecycle',
    lifecycle: 'lifecycle',
    log: 'logs',
  } as const;
  return events.map((e) => ({
    id: e.event.id,
    index: names.daily(family[e.kiln.kind], Date.parse(e['@timestamp'])),
    doc: e as Record<string, unknown>,
  }));
}

async function registryDoc(names: IndexNames, id: string): Promise<RegistryDocument> {
  const client = testEsClient();
  try {
    const got = await client.get<RegistryDocument>({ index: names.state('registry'), id });
    return got._source!;
  } finally {
    await client.close();
  }
}

describe('fleet registry on the real Elasticsearch', () => {
  const client = testEsClient();
  const names = uniqueNames('registry');
  const writer = new BulkWriter(client, names);

  beforeAll(async () => {
    await setupStorage(client, names);
  });
  afterAll(async () => {
    await dropPrefix(client, names);
    await client.close();
  });

  it('stores boot facts and drift events, and the registry document shows identity, image, boot and drift', async () => {
    const factsEvent = buildFactsEvent(facts(), identity, boot + 30_000);
    const drift = [
      buildDriftEvent(
        {
          change: 'changed',
          category: 'file',
          path: '/etc/ssh/sshd_config',
          attribute: 'sha256',
          before: 'aa',
          after: 'bb',
        },
        identity,
        'sha256:aa',
        boot + 600_000,
      ),
      buildDriftEvent(
        { change: 'added', category: 'package', path: 'netcat-openbsd:amd64', after: '1.219-1' },
        identity,
        'sha256:aa',
        boot + 900_000,
      ),
    ];
    const events = stamped([factsEvent, ...drift]);
    const report = await writer.write(toItems(names, events));
    expect(report.stored).toHaveLength(3);
    expect(report.deadLettered).toEqual([]);
    expect(await countDocs(client, names.pattern('facts'))).toBe(1);
    expect(await countDocs(client, names.pattern('drift'))).toBe(2);

    const stored = await client.search({
      index: names.pattern('facts'),
      query: { term: { 'host.image.id': 'ami-0123456789abcdef0' } },
    });
    expect(stored.hits.hits).toHaveLength(1);

    await applyEventsToRegistry(client, names, collectorIdentity, events, boot + 900_500);
    // A batch the agent sent again changes nothing: the drift count stays 2.
    await applyEventsToRegistry(client, names, collectorIdentity, stamped(drift), boot + 901_000);

    const doc = await registryDoc(names, identity.instanceId);
    expect(doc.cloud).toEqual({
      instance: { id: 'i-0a1b2c3d4e5f60718' },
      image: { id: 'ami-0123456789abcdef0' },
      provider: 'aws',
      region: 'eu-west-1',
      availability_zone: 'eu-west-1b',
      machine: { type: 't3.small' },
      account: { id: '123456789012' },
    });
    expect(doc.host).toEqual({
      image: { id: 'ami-0123456789abcdef0' },
      name: 'ip-10-0-1-17',
      hostname: 'ip-10-0-1-17',
      boot: { id: identity.bootId },
      os: { name: 'Debian GNU/Linux', version: '12', kernel: '6.1.0-28-cloud-amd64' },
    });
    expect(doc.agent).toEqual({ version: '0.1.0' });
    const { recent_ids: recent, ...drifted } = doc.kiln.drift;
    expect(recent).toHaveLength(2);
    expect(doc.kiln).toEqual({
      kind: 'registry',
      bake: { id: 'bake-42' },
      image: { name: 'web', version: '2026.05.01' },
      launch_time: '2026-05-01T07:59:40.000Z',
      boot_time: '2026-05-01T08:00:00.000Z',
      enrollment: {
        method: 'aws-iid',
        trust: 'attested',
        enrolled_at: '2026-05-01T08:00:10.000Z',
        agent_id: 'agt_i-0a1b2c3d4e5f60718',
      },
      provenance: {
        image_id: 'attested',
        account_id: 'attested',
        region: 'attested',
        availability_zone: 'attested',
        instance_type: 'attested',
        launch_time: 'attested',
        bake_id: 'collector',
        host_name: 'claimed',
        autoscaling_group: 'claimed',
        boot_time: 'claimed',
      },
      first_seen: '2026-05-01T08:00:30.000Z',
      last_seen: '2026-05-01T08:15:00.000Z',
      status: 'running',
      status_changed_at: '2026-05-01T08:00:30.000Z',
      group: 'web-asg',
      agent_config_digest: 'sha256:cfg',
      baked: true,
      drift: expect.any(Object),
    });
    expect(drifted).toEqual({
      state: 'drifted',
      count: 2,
      first_at: '2026-05-01T08:10:00.000Z',
      latest_at: '2026-05-01T08:15:00.000Z',
      latest_path: 'netcat-openbsd:amd64',
      first_after_boot_ms: 600_000,
      // sshd_config changed (critical), then a package installed (medium).
      severity: 'critical',
      first_at_by_severity: { critical: '2026-05-01T08:10:00.000Z', medium: '2026-05-01T08:15:00.000Z' },
    });
    expect(doc['@timestamp']).toBe('2026-05-01T08:15:01.000Z');
  });

  it('marks a running instance silent after missed heartbeats, and a heartbeat revives it', async () => {
    const quiet = testIdentity({ instanceId: 'i-quiet', imageId: 'ami-1' });
    const lively = testIdentity({ instanceId: 'i-lively', imageId: 'ami-1' });
    const beat = (id: string, at: number) =>
      buildHeartbeatEvent({ instanceId: id, hostname: id, bootId: 'b' }, at, 100);
    await applyEventsToRegistry(client, names, quiet, [beat('i-quiet', boot)], boot);
    await applyEventsToRegistry(client, names, lively, [beat('i-lively', boot + 170_000)], boot + 170_000, {
      refresh: true,
    });

    const now = boot + 180_000;
    expect(await markSilentInstances(client, names, 120_000, now)).toEqual(['i-quiet']);
    const silent = await registryDoc(names, 'i-quiet');
    expect(silent.kiln.status).toBe('silent');
    expect(silent.kiln.status_reason).toBe('no heartbeat for 120 s');
    expect(silent.kiln.status_changed_at).toBe('2026-05-01T08:03:00.000Z');
    expect((await registryDoc(names, 'i-lively')).kiln.status).toBe('running');
    await client.indices.refresh({ index: names.state('registry') });
    expect(await markSilentInstances(client, names, 120_000, now)).toEqual([]);

    await applyEventsToRegistry(client, names, quiet, [beat('i-quiet', now + 1000)], now + 1000, {
      refresh: true,
    });
    const revived = await registryDoc(names, 'i-quiet');
    expect(revived.kiln.status).toBe('running');
    expect(revived.kiln.status_reason).toBe('heartbeat received');
    expect(revived.kiln.last_seen).toBe('2026-05-01T08:03:01.000Z');
  });

  it('turns terminated on a clean shutdown report, not on an incomplete one', async () => {
    const shutdown = (id: string, complete: boolean, at: number): WireEvent => ({
      '@timestamp': new Date(at).toISOString(),
      event: { id: `${id}-shutdown`, kind: 'event', action: 'agent-shutdown' },
      kiln: {
        kind: 'lifecycle',
        lifecycle: { phase: 'shutdown', reason: 'SIGTERM' },
        completeness: [
          { file: '/var/log/app.log', bytes_shipped: 100, file_size: 100, complete: true },
          { file: '/var/log/syslog', bytes_shipped: 50, file_size: complete ? 50 : 80, complete },
        ],
      },
    });
    await applyEventsToRegistry(
      client,
      names,
      testIdentity({ instanceId: 'i-clean' }),
      [shutdown('i-clean', true, boot)],
      boot,
    );
    await applyEventsToRegistry(
      client,
      names,
      testIdentity({ instanceId: 'i-cut' }),
      [shutdown('i-cut', false, boot)],
      boot,
    );
    const clean = await registryDoc(names, 'i-clean');
    expect(clean.kiln.status).toBe('terminated');
    expect(clean.kiln.shutdown).toEqual({ at: '2026-05-01T08:00:00.000Z', complete: true });
    const cut = await registryDoc(names, 'i-cut');
    expect(cut.kiln.status).toBe('running');
    expect(cut.kiln.shutdown).toEqual({ at: '2026-05-01T08:00:00.000Z', complete: false });
  });

  it('two collectors updating one instance at once lose no update', async () => {
    const id = 'i-contended';
    const collectors = [testEsClient(), testEsClient()];
    const driftAt = (n: number) =>
      buildDriftEvent(
        { change: 'added', category: 'file', path: `/usr/bin/x${n}`, after: 'file' },
        { instanceId: id, hostname: 'h', bootId: 'b' },
        'sha256:aa',
        boot + n * 1000,
      );
    try {
      // Each collector applies 20 batches of one drift event, both at the same time, starting
      // from a missing document (so both race on the create too).
      await Promise.all(
        collectors.map((c, k) =>
          (async () => {
            for (let i = 0; i < 20; i++) {
              const n = k * 100 + i;
              await applyEventsToRegistry(
                c,
                names,
                testIdentity({ instanceId: id }),
                [driftAt(n)],
                boot + n * 1000,
              );
            }
          })(),
        ),
      );
    } finally {
      await Promise.all(collectors.map((c) => c.close()));
    }
    const doc = await registryDoc(names, id);
    expect(doc.kiln.drift.count).toBe(40);
    expect(doc.kiln.drift.recent_ids).toHaveLength(40);
    expect(doc.kiln.drift.first_at).toBe('2026-05-01T08:00:00.000Z');
    expect(doc.kiln.drift.latest_at).toBe('2026-05-01T08:01:59.000Z');
    expect(doc.kiln.drift.latest_path).toBe('/usr/bin/x119');
  });

  it('lists instances with filters for kiln fleet', async () => {
    await client.indices.refresh({ index: names.state('registry') });
    const all = await listInstances(client, names);
    expect(all.map((d) => d.cloud.instance.id).sort()).toEqual([
      'i-0a1b2c3d4e5f60718',
      'i-clean',
      'i-contended',
      'i-cut',
      'i-lively',
      'i-quiet',
    ]);
    const drifted = await listInstances(client, names, { drifted: true });
    expect(drifted.map((d) => d.cloud.instance.id).sort()).toEqual(['i-0a1b2c3d4e5f60718', 'i-contended']);
    const terminated = await listInstances(client, names, { status: ['terminated'] });
    expect(terminated.map((d) => d.cloud.instance.id)).toEqual(['i-clean']);
    const onImage = await listInstances(client, names, { imageId: 'ami-1' });
    expect(onImage.map((d) => d.cloud.instance.id).sort()).toEqual(['i-lively', 'i-quiet']);
  });
});
