/**
 * A realistic small fleet for the dashboard and investigate tests, written through kiln's own
 * storage layer (setupStorage + BulkWriter) under a unique prefix: 4 bakes, 6 instances (one
 * silent after drifting, one replaced after a shutdown with a completeness report), their boot
 * facts, lifecycle, drift, decisions and logs. Times are fixed so every expected number is exact.
 */
import type { Client } from '@elastic/elasticsearch';
import type { BulkItem } from '../../collector/storage/bulk-writer/encoder.ts';
import { BulkWriter } from '../../collector/storage/bulk-writer/writer.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import type { EventFamily, IndexNames } from '../../lib/indices.ts';

/** "Now" of the seeded fleet. */
export const seedNow = Date.UTC(2026, 10, 22, 12, 0, 0);
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const iso = (ms: number) => new Date(ms).toISOString();

interface InstanceSeed {
  id: string;
  image: string;
  bake: string;
  group: string;
  status: 'running' | 'silent' | 'replaced';
  ageMs: number;
  driftAfterBootMs?: number;
}

/** The seeded instances. */
export const seedInstances: readonly InstanceSeed[] = [
  { id: 'i-a1', image: 'ami-111', bake: 'b-1', group: 'web', status: 'running', ageMs: 9 * day },
  {
    id: 'i-a2',
    image: 'ami-222',
    bake: 'b-2',
    group: 'web',
    status: 'running',
    ageMs: 2 * day,
    driftAfterBootMs: 5 * minute,
  },
  { id: 'i-a3', image: 'ami-222', bake: 'b-2', group: 'web', status: 'running', ageMs: 12 * hour },
  {
    id: 'i-a4',
    image: 'ami-333',
    bake: 'b-4',
    group: 'api',
    status: 'running',
    ageMs: 4 * day,
    driftAfterBootMs: 2 * hour,
  },
  {
    id: 'i-dead',
    image: 'ami-222',
    bake: 'b-2',
    group: 'web',
    status: 'silent',
    ageMs: 3 * day,
    driftAfterBootMs: 30 * minute,
  },
  { id: 'i-old', image: 'ami-111', bake: 'b-1', group: 'web', status: 'replaced', ageMs: 10 * day },
];

const launchOf = (i: InstanceSeed) => seedNow - i.ageMs;
const bootOf = (i: InstanceSeed) => launchOf(i) + minute;
/** When i-dead last spoke: 2 hours before now. */
export const deadLastSeen = seedNow - 2 * hour;

const identity = (i: InstanceSeed) => ({
  cloud: { instance: { id: i.id }, image: { id: i.image }, provider: 'aws', region: 'eu-west-1' },
  host: { name: `web-${i.id}`, image: { id: i.image } },
});
/** What the collector stamps on a log line (its lean identity, collector/ingest/stamp.ts). */
const lineIdentity = (i: InstanceSeed) => ({
  cloud: { instance: { id: i.id }, image: { id: i.image } },
  host: { name: `web-${i.id}` },
});

/** Writes the whole fleet; returns the number of documents written. */
export async function seedFleet(client: Client, names: IndexNames): Promise<number> {
  await setupStorage(client, names);
  const items: BulkItem[] = [];
  let n = 0;
  const event = (family: EventFamily, at: number, doc: Record<string, unknown>) => {
    const id = `seed-${family}-${n++}`;
    items.push({ id, index: names.daily(family, at), doc: { '@timestamp': iso(at), event: { id }, ...doc } });
  };

  const bakes = [
    {
      id: 'b-1',
      name: 'web',
      version: '1.0',
      status: 'succeeded',
      at: Date.UTC(2026, 10, 10, 9),
      ms: 400_000,
      ami: 'ami-111',
    },
    {
      id: 'b-2',
      name: 'web',
      version: '1.1',
      status: 'succeeded',
      at: Date.UTC(2026, 10, 18, 9),
      ms: 500_000,
      ami: 'ami-222',
      parent: 'b-1',
    },
    { id: 'b-3', name: 'web', version: '1.2', status: 'failed', at: Date.UTC(2026, 10, 18, 15), ms: 100_000 },
    {
      id: 'b-4',
      name: 'api',
      version: '2.0',
      status: 'succeeded',
      at: Date.UTC(2026, 10, 19, 9),
      ms: 300_000,
      ami: 'ami-333',
    },
  ];
  for (const b of bakes) {
    items.push({
      id: b.id,
      index: names.state('bakes'),
      doc: {
        '@timestamp': iso(b.at),
        kiln: {
          kind: 'bake',
          bake: {
            id: b.id,
            status: b.status,
            started_at: iso(b.at),
            finished_at: iso(b.at + b.ms),
            duration_ms: b.ms,
            image_name: b.name,
            image_version: b.version,
            source_image: 'ami-debian-12',
            git_revision: `rev-${b.id}`,
            ...(b.ami ? { artifacts: [b.ami] } : {}),
            ...(b.parent ? { parent_bake: b.parent } : {}),
          },
        },
      },
    });
  }

  for (const i of seedInstances) {
    const launch = launchOf(i);
    const boot = bootOf(i);
    const lastSeen =
      i.status === 'silent' ? deadLastSeen : i.status === 'replaced' ? seedNow - 6 * hour : seedNow - minute;
    const drifted = i.driftAfterBootMs !== undefined;
    items.push({
      id: i.id,
      index: names.state('registry'),
      doc: {
        '@timestamp': iso(lastSeen),
        ...identity(i),
        kiln: {
          kind: 'registry',
          bake: { id: i.bake },
          image: { name: i.image === 'ami-333' ? 'api' : 'web' },
          launch_time: iso(launch),
          boot_time: iso(boot),
          first_seen: iso(boot + 10_000),
          last_seen: iso(lastSeen),
          status: i.status,
          status_changed_at: iso(i.status === 'silent' ? deadLastSeen + 15 * minute : lastSeen),
          ...(i.status === 'silent' ? { status_reason: 'no heartbeat for 15m' } : {}),
          age_ms: i.ageMs,
          group: i.group,
          drift: drifted
            ? {
                state: 'drifted',
                count: i.id === 'i-dead' ? 3 : 2,
                first_at: iso(boot + i.driftAfterBootMs!),
                latest_at: iso(boot + i.driftAfterBootMs! + minute),
                latest_path: '/etc/nginx/nginx.conf',
                first_after_boot_ms: i.driftAfterBootMs,
              }
            : { state: 'clean', count: 0 },
          ...(i.status === 'replaced' ? { shutdown: { at: iso(lastSeen), complete: false } } : {}),
        },
      },
    });
    const boots = i.id === 'i-dead' ? [boot, boot + day] : [boot];
    boots.forEach((b, k) => {
      event('facts', b + 5_000, {
        ...identity(i),
        host: {
          ...identity(i).host,
          boot: { id: `${i.id}-boot-${k + 1}` },
          os: { full: 'Debian GNU/Linux 12' },
        },
        kiln: {
          kind: 'facts',
          bake: { id: i.bake },
          boot_time: iso(b),
          launch_time: iso(launch),
          image: { name: i.image === 'ami-333' ? 'api' : 'web', version: i.bake === 'b-2' ? '1.1' : '1.0' },
          facts: { cpus: 2, memory_bytes: 4_294_967_296 },
        },
      });
      event('lifecycle', b + 6_000, {
        ...identity(i),
        kiln: { kind: 'lifecycle', lifecycle: { phase: 'start' } },
      });
      for (let h = 1; h <= 3; h++) {
        event('lifecycle', b + h * hour, {
          ...identity(i),
          kiln: { kind: 'lifecycle', lifecycle: { phase: 'heartbeat' } },
        });
      }
    });
    if (i.status === 'silent') {
      event('lifecycle', deadLastSeen, {
        ...identity(i),
        kiln: { kind: 'lifecycle', lifecycle: { phase: 'heartbeat' } },
      });
    }
    if (i.status === 'replaced') {
      const at = lastSeen;
      for (const [file, shipped, size] of [
        ['/var/log/app.log', 1000, 1000],
        ['/var/log/syslog', 800, 900],
      ] as const) {
        event('lifecycle', at, {
          ...identity(i),
          kiln: {
            kind: 'lifecycle',
            lifecycle: { phase: 'shutdown', reason: 'SIGTERM' },
            completeness: { file, bytes_shipped: shipped, file_size: size, complete: shipped === size },
          },
        });
      }
    }
  }

  const drift = (
    id: string,
    atOffsetMs: number,
    change: string,
    category: string,
    what: { path?: string; pkg?: string },
  ) => {
    const i = seedInstances.find((x) => x.id === id)!;
    event('drift', bootOf(i) + atOffsetMs, {
      ...identity(i),
      ...(what.path ? { file: { path: what.path } } : {}),
      ...(what.pkg ? { package: { name: what.pkg } } : {}),
      kiln: { kind: 'drift', drift: { change, category, ...(what.path ? { path: what.path } : {}) } },
    });
  };
  drift('i-a2', 5 * minute, 'modified', 'file', { path: '/etc/nginx/nginx.conf' });
  drift('i-a2', 6 * minute, 'installed', 'package', { pkg: 'curl' });
  drift('i-a4', 2 * hour, 'modified', 'file', { path: '/etc/ssh/sshd_config' });
  drift('i-a4', 2 * hour + minute, 'modified', 'file', { path: '/etc/nginx/nginx.conf' });
  drift('i-dead', 30 * minute, 'modified', 'file', { path: '/etc/nginx/nginx.conf' });
  drift('i-dead', 31 * minute, 'changed', 'package', { pkg: 'openssl' });
  drift('i-dead', 32 * minute, 'added', 'file', { path: '/usr/local/bin/miner' });

  const decision = (id: string, at: number, outcome: string, trigger: string, reason: string) => {
    const i = seedInstances.find((x) => x.id === id)!;
    event('actions', at, {
      ...identity(i),
      kiln: {
        kind: 'decision',
        decision: {
          id: `dec-${id}-${at}`,
          outcome,
          trigger,
          reason,
          reason_text: `${reason.replaceAll('_', ' ')} for ${id}`,
          action: 'replace',
          dry_run: false,
          group: i.group,
        },
      },
    });
  };
  decision('i-old', Date.UTC(2026, 10, 20, 8), 'taken', 'max_age', 'max_age_exceeded');
  decision('i-a2', Date.UTC(2026, 10, 21, 8), 'skipped', 'drift', 'grace_period');
  decision('i-a4', Date.UTC(2026, 10, 21, 9), 'deferred', 'drift', 'maintenance_window');
  decision('i-a1', Date.UTC(2026, 10, 22, 8), 'deferred', 'max_age', 'rate_limited');
  decision('i-dead', deadLastSeen + 30 * minute, 'taken', 'silence', 'silent_too_long');

  const logs = (id: string, count: number, from: number, last?: string) => {
    const i = seedInstances.find((x) => x.id === id)!;
    for (let k = 0; k < count; k++) {
      const message = k === count - 1 && last ? last : `GET /item/${k} 200`;
      event('logs', from + k * 1000, {
        ...lineIdentity(i),
        message,
        log: { file: { path: '/var/log/app.log' }, offset: k * 64 },
        kiln: { kind: 'log' },
      });
    }
  };
  logs('i-dead', 30, deadLastSeen - 29_000, 'panic: runtime: out of memory');
  logs('i-a1', 10, seedNow - 10 * minute);

  const report = await new BulkWriter(client, names).write(items);
  if (report.failed.length > 0 || report.deadLettered.length > 0) {
    throw new Error(
      `seeding failed: ${JSON.stringify([...report.failed, ...report.deadLettered].slice(0, 3))}`,
    );
  }
  await client.indices.refresh({ index: `${names.prefix}-*` });
  return report.stored.length;
}
