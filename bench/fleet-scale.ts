/**
 * Fleet scale (issue 16): a registry of N instances and M log documents written with `_bulk`
 * straight into a local Elasticsearch, then the operations a team runs against it, timed:
 * `kiln fleet --json` (complete), `kiln policy plan`, one silence sweep, `kiln investigate` of a
 * busy instance, and every panel of the Fleet overview dashboard run as the Elasticsearch request
 * it stands for. Prints a table with the targets, the document counts and index sizes; record it
 * in bench/RESULTS.md.
 *
 *   node bench/fleet-scale.ts [--instances 100000] [--logs 10000000] [--es-url URL] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { markSilentInstances } from '../collector/registry/index.ts';
import { setupStorage } from '../collector/storage/setup.ts';
import { panelRequest } from '../dashboards/es-request.ts';
import { fleetOverview } from '../dashboards/spec/fleet-overview.ts';
import { createEsClient } from '../lib/es.ts';
import type { RegistryDocument } from '../lib/fleet.ts';
import { indexNames } from '../lib/indices.ts';
import { startLocalEs, stopLocalEs } from '../lib/local-es/index.ts';
import { renderTable } from '../lib/table.ts';
import { registryDoc } from '../test/collector/policy/fleet-fixture.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const instances = Number(arg('instances', '100000'));
const logs = Number(arg('logs', '10000000'));
const runs = Number(arg('runs', '3'));
const prefix = 'scale';
const names = indexNames(prefix);
// The time the data was seeded at: a rerun on the same data sweeps as of then, so one in ten
// instances is silent (for an hour) in every run, not all of them.
let nowMs = Date.now();
const root = resolve(import.meta.dirname, '..');

const started = !process.argv.includes('--es-url');
const esUrl = started
  ? (await startLocalEs({ name: 'bench-scale', heap: '2g' }, (m) => process.stderr.write(`${m}\n`))).url
  : arg('es-url', '');
const client = createEsClient({ url: esUrl, requestTimeoutMs: 600_000 });
const id = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
const busy = id(7);

async function bulk(operations: unknown[]): Promise<void> {
  const result = await client.bulk({ operations: operations as never, filter_path: 'errors' } as never);
  if ((result as { errors?: boolean }).errors) throw new Error('a _bulk item failed');
}

async function seed(): Promise<void> {
  const count = await client.count({ index: names.state('registry') }).catch(() => ({ count: 0 }));
  if (count.count === instances) {
    // The seed sets nine in ten instances last seen 10 s before it ran.
    const latest = await client.search({
      index: names.state('registry'),
      size: 0,
      aggs: { last: { max: { field: 'kiln.last_seen' } } },
    });
    const last = (latest.aggregations?.last as { value?: number } | undefined)?.value;
    if (last) nowMs = last + 10_000;
    // A run before this one swept: make its silent instances running again, so every run's sweep
    // has the same work (one in ten instances silent for an hour).
    // (The integ-test-zip has no reindex module, so no _update_by_query: search and _bulk.)
    let reset = 0;
    for (;;) {
      const silent = await client.search({
        index: names.state('registry'),
        size: 5000,
        _source: false,
        query: { term: { 'kiln.status': 'silent' } },
      });
      if (silent.hits.hits.length === 0) break;
      await bulk(
        silent.hits.hits.flatMap((h) => [
          { update: { _index: h._index, _id: h._id } },
          { doc: { kiln: { status: 'running' } } },
        ]),
      );
      reset += silent.hits.hits.length;
      await client.indices.refresh({ index: names.state('registry') });
    }
    process.stderr.write(
      `reusing the seeded registry of ${instances} instances (${reset} made running again)\n`,
    );
    return;
  }
  await client.indices.delete({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true });
  await setupStorage(client, names);
  process.stderr.write(`seeding ${instances} registry documents…\n`);
  for (let start = 0; start < instances; start += 5000) {
    const ops: unknown[] = [];
    for (let n = start; n < Math.min(instances, start + 5000); n++) {
      // Ages up to 14 days; one in ten silent for an hour (the sweep's work); some drifted.
      const doc: RegistryDocument = registryDoc(
        {
          id: id(n),
          ageMs: ((n * 7919) % (14 * 86_400)) * 1000,
          group: `g${n % 50}`,
          image: `ami-${(n % 20).toString(16).padStart(17, '0')}`,
          silentForMs: n % 10 === 0 ? 3_600_000 : 10_000,
          ...(n % 13 === 0 ? { driftedForMs: 7_200_000 } : {}),
        },
        nowMs,
      );
      ops.push({ create: { _index: names.state('registry'), _id: id(n) } }, doc);
    }
    await bulk(ops);
  }
  process.stderr.write(`seeding ${logs} log documents over the last 3 days…\n`);
  const perInstance = Math.max(1, Math.floor(instances / 1000));
  for (let start = 0; start < logs; start += 10_000) {
    const ops: unknown[] = [];
    for (let n = start; n < Math.min(logs, start + 10_000); n++) {
      // A tenth of the lines are the busy instance's, the rest spread over 1000 instances.
      const instance = n % 10 === 0 ? busy : id(((n * 31) % 1000) * perInstance);
      const at = nowMs - ((n * 2654435761) % (3 * 86_400_000));
      ops.push(
        { create: { _index: names.daily('logs', at), _id: `${instance}-${n}` } },
        {
          '@timestamp': new Date(at).toISOString(),
          message: `GET /api/items/${n % 5000} 200 ${n % 997}ms request_id=${n.toString(36)}`,
          log: { file: { path: '/var/log/app/access.log' }, offset: n * 80 },
          host: { name: `ip-${instance}` },
          cloud: { instance: { id: instance } },
          agent: { id: `agt_${instance}`, type: 'kiln-agent', version: '0.1.0' },
          event: { id: `e${n}`, ingested: new Date(at + 500).toISOString() },
          kiln: { kind: 'log', log: { fingerprint: 'f0' } },
        },
      );
    }
    await bulk(ops);
    if (start % 1_000_000 === 0) process.stderr.write(`  ${start} / ${logs}\n`);
  }
  await client.indices.refresh({ index: `${prefix}-*` });
}

function kiln(args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(root, 'dist', 'kiln.js'), ...args, '--es-url', esUrl, '--index-prefix', prefix],
    {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`kiln ${args.join(' ')} failed: ${r.stderr}`);
  return { ms: performance.now() - t0, stdout: r.stdout };
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

try {
  await seed();
  const work = mkdtempSync(join(tmpdir(), 'kiln-scale-'));
  const policy = join(work, 'policy.yaml');
  writeFileSync(
    policy,
    'name: scale\nmaxAge: 7d\nonDrift: { action: replace, gracePeriod: 1h }\naction: { type: command, command: ["true"] }\nsafety: { maxConcurrent: 50 }\n',
  );
  const rows: Array<[string, string, string, string]> = [];
  const record = (what: string, target: string, ms: number[], detail: string) =>
    rows.push([what, target, (median(ms) / 1000).toFixed(2), detail]);

  const fleet: number[] = [];
  let fleetRows = 0;
  for (let i = 0; i < runs; i++) {
    const r = kiln(['fleet', '--json']);
    fleet.push(r.ms);
    fleetRows = (JSON.parse(r.stdout) as unknown[]).length;
  }
  record('kiln fleet --json', 'complete', fleet, `${fleetRows} rows`);

  const plan: number[] = [];
  let decisions = 0;
  for (let i = 0; i < runs; i++) {
    const r = kiln(['policy', 'plan', '--policy', policy, '--json']);
    plan.push(r.ms);
    decisions = (JSON.parse(r.stdout) as { decisions: unknown[] }).decisions.length;
  }
  record('kiln policy plan', '≤ 10 s', plan, `${decisions} decisions`);

  let marked = 0;
  const sweep = [
    await timed(async () => (marked = (await markSilentInstances(client, names, 300_000, nowMs)).length)),
  ];
  record('one silence sweep', '≤ 10 s', sweep, `${marked} marked silent`);

  const investigate: number[] = [];
  for (let i = 0; i < runs; i++) investigate.push(kiln(['investigate', busy, '--json']).ms);
  record('kiln investigate (busiest instance)', '≤ 2 s', investigate, `${logs / 10} log lines`);

  const overview = fleetOverview({ indexPrefix: prefix, maxAgeMs: 7 * 86_400_000 });
  for (const panel of overview.panels) {
    const request = panelRequest(panel, prefix);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      ms.push(
        await timed(() =>
          client.search({ index: request.index, ...request.body, request_cache: false } as never),
        ),
      );
    }
    record(`panel: ${panel.title}`, '≤ 2 s', ms, request.index);
  }

  const indices = (await client.cat.indices({
    index: `${prefix}-*`,
    format: 'json',
    bytes: 'mb',
    h: 'index,docs.count,store.size',
  })) as Array<Record<string, string>>;
  const totals = indices.reduce(
    (t, i) => ({ docs: t.docs + Number(i['docs.count']), mb: t.mb + Number(i['store.size']) }),
    { docs: 0, mb: 0 },
  );
  const registry = indices.find((i) => i.index === names.state('registry'));
  process.stdout.write(
    `\n${instances} instances (registry ${registry?.['store.size']} MB), ${logs} log documents; ${indices.length} indices, ${totals.docs} documents, ${totals.mb} MB in all; median of ${runs}\n\n`,
  );
  process.stdout.write(`${renderTable(['operation', 'target', 'seconds', 'what'], rows)}\n`);
} finally {
  await client.close();
  if (started && !process.argv.includes('--keep')) await stopLocalEs('bench-scale');
}
