/**
 * What one log line costs Elasticsearch, with no shipper in the way (issue 11, item 3): the same
 * generated lines are bulk-loaded, in the same 2 000-document `_bulk` requests two at a time,
 * as the raw loader's document (`index`, auto id, three fields) and as the exact document kiln's
 * collector writes (the agent's encoder, the collector's stamping, its template and ids), into
 * a fresh single-node Elasticsearch warmed up first. Elasticsearch's CPU (utime + stime of its
 * process) is read before and after each variant, refresh included. The first variant runs
 * again at the end: if the warm-up is enough, the two figures agree.
 * Run: `node bench/shipping/es-cost.ts [--size-mib 128] [--warm-up-docs 1000000]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { LogEventEncoder } from '../../agent/sources/file/event-builder.ts';
import { stampIdentity, toBulkItems } from '../../collector/ingest/stamp.ts';
import { storedIdOf } from '../../collector/ingest/stored-id.ts';
import { encodeBulkItem } from '../../collector/storage/bulk-writer/encoder.ts';
import { buildIndexTemplate } from '../../collector/storage/templates/index-templates.ts';
import type { InstanceIdentity } from '../../collector/tokens/identity.ts';
import { indexNames } from '../../lib/indices.ts';
import { startLocalEs, stopLocalEs } from '../../lib/local-es/index.ts';
import type { WireEvent } from '../../lib/wire.ts';
import { dropIndices, putPeerTemplate, warmUpEs } from './es-target.ts';
import { generateLogs } from './generate.ts';
import { TreeSampler } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '128' },
    'warm-up-docs': { type: 'string', default: '1000000' },
    heap: { type: 'string', default: '2g' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

/** CPU seconds of Elasticsearch's process tree (the JVM is a child of the launcher). */
function cpuSeconds(pid: number): number {
  const sampler = new TreeSampler(pid);
  return sampler.usage().cpuSeconds;
}

async function load(pool: Pool, bodies: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const response = await pool.request({
          path: '/_bulk?filter_path=errors,items.*.error',
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body,
        });
        const text = await response.body.text();
        if (response.statusCode === 429) continue;
        if (response.statusCode !== 200 || text.includes('"errors":true'))
          throw new Error(`_bulk answered ${response.statusCode}: ${text.slice(0, 300)}`);
        break;
      }
    }
  };
  await Promise.all([worker(), worker()]);
}

const temp = mkdtempSync(join(tmpdir(), 'kiln-es-cost-'));
const es = await startLocalEs({ name: 'bench', heap: values.heap, fresh: true }, log);
try {
  const files = await generateLogs({ dir: temp, totalBytes: Number(values['size-mib']) * 1024 * 1024 });
  const lines: Array<{ path: string; offset: number; text: string }> = [];
  for (const f of files) {
    let offset = 0;
    for (const text of readFileSync(f.path, 'utf8').split('\n')) {
      if (text === '') continue;
      lines.push({ path: f.path, offset, text });
      offset += Buffer.byteLength(text) + 1;
    }
  }
  log(`${lines.length} lines; warming up with ${values['warm-up-docs']} documents…`);
  const started = cpuSeconds(es.pid);
  await warmUpEs(es.url, 'cost', Number(values['warm-up-docs']));
  log(`  warm-up cost ${(cpuSeconds(es.pid) - started).toFixed(1)} ES CPU s`);

  const names = indexNames('cost-kiln');
  const identity: InstanceIdentity = {
    instanceId: 'i-bench-0001',
    method: 'fleet-token',
    agentId: 'agt_0839bd4332f6edc6059009a1',
    enrolledAt: new Date().toISOString(),
    hostname: 'vm',
    provenance: {},
  };
  const encoder = new LogEventEncoder(
    { instanceId: identity.instanceId, hostname: 'vm', bootId: '3a732409-8f91-4bb6-9967-e4d46ce3bb29' },
    { timestamp: undefined, json: false },
  );
  const window = { maxPastMs: 7 * 86_400_000, maxFutureMs: 86_400_000 };
  const rawAction = `${JSON.stringify({ index: { _index: 'cost-raw' } })}\n`;
  const variants: Record<string, { setUp(): Promise<void>; bodies(): string[] }> = {
    'raw _bulk document (index, auto id)': {
      setUp: () => putPeerTemplate(es.url, 'cost-raw', ['cost-raw']),
      bodies: () =>
        batches((l) => {
          const doc = {
            '@timestamp': new Date().toISOString(),
            message: l.text,
            log: { file: { path: l.path } },
          };
          return `${rawAction}${JSON.stringify(doc)}\n`;
        }),
    },
    'kiln document (create, per-file prefix + offset ids)': kilnVariant(false),
    'kiln document (create, hashed ids)': kilnVariant(true),
  };
  function batches(encode: (l: (typeof lines)[number]) => string): string[] {
    const out: string[] = [];
    for (let i = 0; i < lines.length; i += 2000)
      out.push(
        lines
          .slice(i, i + 2000)
          .map(encode)
          .join(''),
      );
    return out;
  }
  function kilnVariant(hashed: boolean) {
    return {
      async setUp() {
        const spec = buildIndexTemplate(names, 'logs');
        await fetch(`${es.url}/_index_template/${spec.name}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(spec.body),
        });
      },
      bodies: () => {
        const now = Date.now();
        const ingested = new Date(now).toISOString();
        return batches((l) => {
          const fingerprint = `fp-${l.path}`;
          const line = {
            offset: l.offset,
            end: 0,
            text: l.text,
            truncated: false,
            invalidUtf8: false,
            originalBytes: 0,
            lines: 1,
          };
          const event = JSON.parse(
            encoder.encode(line, { path: l.path, fingerprint }, ingested).json,
          ) as WireEvent;
          const stamped = stampIdentity(event, identity, ingested);
          const [item] = toBulkItems([stamped], names, identity.instanceId, window, now);
          if (hashed) item!.id = storedIdOf(identity.instanceId, stamped.event.id);
          return encodeBulkItem(item!);
        });
      },
    };
  }
  const order = [...Object.keys(variants), Object.keys(variants)[0]!];
  const pool = new Pool(es.url, { connections: 2 });
  const results: string[] = [];
  for (const name of order) {
    const v = variants[name]!;
    await dropIndices(es.url, 'cost-raw,cost-kiln-*');
    await v.setUp();
    const bodies = v.bodies();
    const before = cpuSeconds(es.pid);
    const t0 = performance.now();
    await load(pool, bodies);
    await fetch(`${es.url}/cost-*/_refresh`, { method: 'POST' });
    const cpu = cpuSeconds(es.pid) - before;
    const seconds = (performance.now() - t0) / 1000;
    const line = `${name}: ${lines.length} docs, ${cpu.toFixed(1)} ES CPU s (${((cpu / lines.length) * 1e6).toFixed(1)} µs/doc), ${seconds.toFixed(1)} s`;
    log(line);
    results.push(line);
  }
  await pool.close();
  process.stdout.write(`${results.join('\n')}\n`);
} finally {
  await stopLocalEs('bench');
  rmSync(join(es.dir, 'data'), { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
}
