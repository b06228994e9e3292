/**
 * Boot facts: collected from this machine (systeminformation, /proc, the manifest), off-cloud here
 * (a closed IMDS port), turned into an ECS facts event, and re-sent only when a fact changes.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentConfig, agentConfigSchema } from '../../../agent/config.ts';
import { buildFactsEvent, type CollectedFacts } from '../../../agent/facts/document.ts';
import { collectFacts, createFactsSource } from '../../../agent/facts/index.ts';
import { readImageManifest } from '../../../agent/facts/manifest.ts';
import { freePort } from '../../../lib/local-es/index.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { WireEvent } from '../../../lib/wire.ts';

const identity = { instanceId: 'i-0abc', hostname: 'web-1', bootId: 'boot-1' };

function configWith(facts: Record<string, unknown>): AgentConfig {
  return agentConfigSchema.parse({
    collector: { url: 'https://collector.example', enrollmentToken: { env: 'KILN_TOKEN' } },
    facts,
  });
}

describe('facts collection on this machine', () => {
  let dir: string;
  let imdsUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kiln-facts-'));
    imdsUrl = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads host facts, no cloud facts off-cloud, and the baked manifest', async () => {
    const manifestPath = path.join(dir, 'image.json');
    await writeFile(
      manifestPath,
      JSON.stringify({
        bakeId: 'bake-7',
        imageName: 'web',
        imageVersion: '1.4.0',
        builtAt: '2026-04-30T10:00:00Z',
        gitDirty: false,
        extra: 1,
      }),
    );
    const config = configWith({ imdsUrl, imdsTimeoutMs: 300, manifestPath });
    const facts = await collectFacts(config, Date.now());
    expect(facts.cloud).toBeUndefined();
    expect(facts.host.hostname).toBe(hostname());
    expect(facts.host.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    expect(facts.host.bootTime).toBe(new Date(btime * 1000).toISOString());
    expect(facts.image).toEqual({
      baked: true,
      manifest: {
        bakeId: 'bake-7',
        name: 'web',
        version: '1.4.0',
        builtAt: '2026-04-30T10:00:00Z',
        gitDirty: false,
      },
    });
    expect(facts.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a missing manifest means "not baked by kiln", not an error', async () => {
    expect(await readImageManifest(path.join(dir, 'absent.json'))).toEqual({ baked: false });
    await writeFile(path.join(dir, 'broken.json'), '{not json');
    await expect(readImageManifest(path.join(dir, 'broken.json'))).rejects.toThrow(/is not valid JSON/);
  });
});

describe('buildFactsEvent', () => {
  const facts: CollectedFacts = {
    host: {
      hostname: 'ip-10-0-1-17',
      bootId: 'boot-1',
      machineId: 'm-1',
      os: { name: 'Debian GNU/Linux', version: '12', kernel: '6.1.0', platform: 'linux' },
      architecture: 'x86_64',
      cpus: 2,
      memoryBytes: 4096,
      ips: ['10.0.1.17'],
      macs: ['0a:1b:2c:3d:4e:5f'],
      bootTime: '2026-05-01T08:00:00.000Z',
      uptimeSeconds: 12,
    },
    cloud: {
      provider: 'aws',
      instanceId: 'i-0abc',
      imageId: 'ami-1',
      instanceType: 't3.small',
      region: 'eu-west-1',
      availabilityZone: 'eu-west-1b',
      accountId: '123456789012',
      launchTime: '2026-05-01T07:59:40.000Z',
      spotAction: '{"action":"terminate","time":"2026-05-01T09:00:00Z"}',
    },
    image: { baked: false },
    agentVersion: '0.1.0',
    configDigest: 'sha256:cfg',
  };

  it('writes ECS host.* and cloud.*, the image id also as host.image.id, and kiln.* for the rest', () => {
    const event = buildFactsEvent(facts, identity, Date.UTC(2026, 4, 1, 8, 0, 12));
    expect(event.host).toEqual({
      name: 'ip-10-0-1-17',
      hostname: 'ip-10-0-1-17',
      id: 'm-1',
      boot: { id: 'boot-1' },
      os: { name: 'Debian GNU/Linux', version: '12', kernel: '6.1.0', platform: 'linux' },
      architecture: 'x86_64',
      ip: ['10.0.1.17'],
      mac: ['0a:1b:2c:3d:4e:5f'],
      uptime: 12,
      image: { id: 'ami-1' },
    });
    expect(event.cloud).toEqual({
      provider: 'aws',
      instance: { id: 'i-0abc' },
      image: { id: 'ami-1' },
      machine: { type: 't3.small' },
      region: 'eu-west-1',
      availability_zone: 'eu-west-1b',
      account: { id: '123456789012' },
    });
    expect(event.kiln).toEqual({
      kind: 'facts',
      boot_time: '2026-05-01T08:00:00.000Z',
      launch_time: '2026-05-01T07:59:40.000Z',
      facts: {
        baked: false,
        machine_id: 'm-1',
        cpus: 2,
        memory_bytes: 4096,
        macs: ['0a:1b:2c:3d:4e:5f'],
        config_digest: 'sha256:cfg',
        spot_action: '{"action":"terminate","time":"2026-05-01T09:00:00Z"}',
        fingerprint: expect.stringMatching(/^sha256:/),
      },
    });
    expect(event['@timestamp']).toBe('2026-05-01T08:00:12.000Z');
  });

  it('keeps the same id for the same facts (uptime aside) and a new one when a fact changes', () => {
    const a = buildFactsEvent(facts, identity, 1000);
    const later = buildFactsEvent(
      { ...facts, host: { ...facts.host, uptimeSeconds: 400 } },
      identity,
      400_000,
    );
    const changed = buildFactsEvent(
      { ...facts, cloud: { ...facts.cloud!, lifecycleState: 'Terminating:Wait' } },
      identity,
      1000,
    );
    expect(later.event.id).toBe(a.event.id);
    expect(changed.event.id).not.toBe(a.event.id);
  });
});

describe('createFactsSource', () => {
  it('sends facts at start and again only when they change', async () => {
    const base: CollectedFacts = {
      host: { hostname: 'web-1', bootId: 'boot-1', os: {}, ips: [], macs: [], uptimeSeconds: 1 },
      image: { baked: false },
      agentVersion: '0.1.0',
      configDigest: 'sha256:c',
    };
    let current = base;
    let collections = 0;
    const pushed: WireEvent[] = [];
    const config = configWith({ refreshIntervalMs: 20 });
    const source = createFactsSource(config, identity, silentLogger, {
      collect: async () => {
        collections++;
        return { ...current, host: { ...current.host, uptimeSeconds: collections } };
      },
    });
    await source.start({ push: async (e) => void pushed.push(e as WireEvent) });
    await waitFor(() => collections >= 4);
    expect(pushed).toHaveLength(1);
    current = { ...base, cloud: { provider: 'aws', instanceId: 'i-0abc', spotAction: '{"action":"stop"}' } };
    await waitFor(() => pushed.length === 2);
    const seen = collections;
    await waitFor(() => collections >= seen + 3);
    await source.stop();
    await source.stop();
    expect(pushed).toHaveLength(2);
    expect((pushed[1]!.kiln.facts as Record<string, unknown>).spot_action).toBe('{"action":"stop"}');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}
