/**
 * What one log line costs Elasticsearch, with no shipper in the way (issue 11, item 3): the same
 * generated lines are bulk-loaded, in the same 2 000-document `_bulk` requests two at a time,
 * into a fresh single-node Elasticsearch warmed up first, as several documents (variants): the
 * raw loader's document (`index`, auto id, three fields), kiln's exact collector output (the
 * agent's encoder, the collector's stamping, its template and ids), and two in between that
 * split kiln's extra cost into ids and fields. Elasticsearch's CPU (utime + stime of its process
 * tree) is read before and after each load, refresh included.
 * A single pass charged the JIT warm-up to whichever variant ran first (1.6× apart between two
 * raw runs), so the variants run interleaved: one uncounted round of all of them, then
 * `--rounds` counted rounds, each a load of every variant in turn; the median is reported.
 * Run: `node bench/shipping/es-cost.ts [--size-mib 64] [--warm-up-docs 500000] [--rounds 3]
 * [--variants raw,kiln-auto-id,kiln,kiln-3-fields]`; more variants in docs/benchmarks.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { type LogIdentity, stampIdentity, toBulkItems } from '../../collector/ingest/stamp.ts';
import { type DocumentItem, encodeBulkItem } from '../../collector/storage/bulk-writer/encoder.ts';
import { buildIndexTemplate } from '../../collector/storage/templates/index-templates.ts';
import { indexNames } from '../../lib/indices.ts';
import { startLocalEs, stopLocalEs } from '../../lib/local-es/index.ts';
import type { WireEvent } from '../../lib/wire.ts';
import { dropIndices, putPeerTemplate, warmUpEs } from './es-target.ts';
import { generateLogs } from './generate.ts';
import { benchAwsIdentity, benchEncoder, benchIdentity } from './kiln-event.ts';
import { TreeSampler } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '128' },
    'warm-up-docs': { type: 'string', default: '1000000' },
    heap: { type: 'string', default: '2g' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'raw,kiln-auto-id,kiln,kiln-3-fields' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Variant {
  label: string;
  setUp(): Promise<void>;
  encode(l: { path: string; offset: number; text: string }): string;
}

/** The lines as `_bulk` bodies of 2 000 documents (the raw loader's request size). */
function batches<L>(lines: L[], encode: (l: L) => string): string[] {
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

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
  const identity = benchIdentity();
  const awsIdentity = benchAwsIdentity();
  const encoder = benchEncoder(identity);
  const window = { maxPastMs: 7 * 86_400_000, maxFutureMs: 86_400_000 };
  const rawAction = `${JSON.stringify({ index: { _index: 'cost-raw' } })}\n`;
  const putKilnTemplate = async () => {
    const spec = buildIndexTemplate(names, 'logs');
    await fetch(`${es.url}/_index_template/${spec.name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec.body),
    });
  };
  const now = Date.now();
  const ingested = new Date(now).toISOString();
  /** kiln's exact bulk item of one line (agent encoder → stamp → toBulkItems). */
  const kilnItem = (
    l: (typeof lines)[number],
    from = identity,
    logIdentity: LogIdentity = 'lean',
    stored: LogIdentity = logIdentity,
  ): DocumentItem => {
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
    const event = JSON.parse(encoder.encode(line, { path: l.path, fingerprint }, ingested).json) as WireEvent;
    const stamped = stampIdentity(event, from, ingested, logIdentity);
    return toBulkItems([stamped], names, from.instanceId, window, now, stored)[0]!;
  };
  /** kiln's document and ids with `drop` applied to the document. */
  function kilnWithout(what: string, drop: (doc: Record<string, unknown>) => void): Variant {
    return {
      label: `kiln document without ${what}, \`create\` with kiln's ids`,
      setUp: putKilnTemplate,
      encode: (l) => {
        const item = kilnItem(l);
        const doc = structuredClone(item.doc);
        drop(doc);
        return `${JSON.stringify({ create: { _index: item.index, _id: item.id } })}\n${JSON.stringify(doc)}\n`;
      },
    };
  }
  // Each variant isolates one difference from the raw document: ids (auto vs kiln's), then
  // fields (kiln's whole document vs only the raw loader's three fields).
  const variants: Record<string, Variant> = {
    raw: {
      label: 'raw `_bulk` document (`index`, auto id, 3 fields, peer template)',
      setUp: () => putPeerTemplate(es.url, 'cost-raw', ['cost-raw']),
      encode: (l) =>
        `${rawAction}${JSON.stringify({ '@timestamp': new Date(now).toISOString(), message: l.text, log: { file: { path: l.path } } })}\n`,
    },
    'kiln-auto-id': {
      label: 'kiln document, `index` with auto id (kiln template)',
      setUp: putKilnTemplate,
      encode: (l) => {
        const item = kilnItem(l);
        return `${JSON.stringify({ index: { _index: item.index } })}\n${JSON.stringify(item.doc)}\n`;
      },
    },
    kiln: {
      label: "kiln document, `create` with kiln's ids (exact collector output)",
      setUp: putKilnTemplate,
      encode: (l) => encodeBulkItem(kilnItem(l)),
    },
    'kiln-3-fields': {
      label: "raw loader's 3 fields only, `create` with kiln's ids (kiln template)",
      setUp: putKilnTemplate,
      encode: (l) => {
        const item = kilnItem(l);
        const doc = item.doc as { '@timestamp': string };
        const slim = { '@timestamp': doc['@timestamp'], message: l.text, log: { file: { path: l.path } } };
        return `${JSON.stringify({ create: { _index: item.index, _id: item.id } })}\n${JSON.stringify(slim)}\n`;
      },
    },
    // Field isolation (not run by default): kiln's document minus one group of fields.
    'kiln-no-event-id': kilnWithout('`event.id`', (doc) => delete (doc.event as Record<string, unknown>).id),
    'kiln-no-identity': kilnWithout('`cloud`, `host`, `agent`', (doc) => {
      delete doc.cloud;
      delete doc.host;
      delete doc.agent;
    }),
    'kiln-no-offset-ingested': kilnWithout('`log.offset`, `event.ingested`', (doc) => {
      delete (doc.event as Record<string, unknown>).ingested;
      delete (doc.log as Record<string, unknown>).offset;
    }),
    'kiln-no-kiln': kilnWithout('`kiln.*`', (doc) => delete doc.kiln),
    'kiln-no-ingested': kilnWithout(
      '`event.ingested`',
      (doc) => delete (doc.event as Record<string, unknown>).ingested,
    ),
    'kiln-no-offset': kilnWithout(
      '`log.offset`',
      (doc) => delete (doc.log as Record<string, unknown>).offset,
    ),
    'kiln-no-boot-id': kilnWithout(
      '`host.boot.id`',
      (doc) => delete (doc.host as Record<string, unknown>).boot,
    ),
    'kiln-no-host-name': kilnWithout(
      '`host.name`',
      (doc) => delete (doc.host as Record<string, unknown>).name,
    ),
    'kiln-minimal': kilnWithout(
      'what no consumer reads (`host.name`, `agent`, `kiln.log`, `event.id`, `event.ingested`)',
      (doc) => {
        delete (doc.host as Record<string, unknown>).name;
        delete doc.agent;
        delete (doc.kiln as Record<string, unknown>).log;
        delete doc.event;
      },
    ),
    // The lean line as it was stored until 2026-12-04: with the agent's own ids.
    'kiln-agent-ids': {
      label: 'kiln document with `agent.id`, `event.id`, `kiln.log.fingerprint` (before 2026-12-04)',
      setUp: putKilnTemplate,
      encode: (l) => encodeBulkItem(kilnItem(l, identity, 'lean', 'full')),
    },
    // The same line from an instance enrolled on EC2, as the collector stores it (log lines carry
    // the lean identity), and with `logIdentity: full` (account, region, zone, type, provider and
    // `host.image.id` on every line too).
    'kiln-aws': {
      label: "kiln document of an EC2 instance (aws-iid identity, lean), `create` with kiln's ids",
      setUp: putKilnTemplate,
      encode: (l) => encodeBulkItem(kilnItem(l, awsIdentity)),
    },
    'kiln-aws-full': {
      label: 'the EC2 document with `logIdentity: full`',
      setUp: putKilnTemplate,
      encode: (l) => encodeBulkItem(kilnItem(l, awsIdentity, 'full')),
    },
  };
  const chosen = values.variants.split(',');
  for (const name of chosen) if (!variants[name]) throw new Error(`unknown variant ${name}`);
  // Bodies are encoded once, before any measurement: ES CPU is all a round measures.
  const bodiesOf = new Map<string, string[]>();
  for (const name of chosen) bodiesOf.set(name, batches(lines, variants[name]!.encode));

  const pool = new Pool(es.url, { connections: 2 });
  /** One load of one variant into empty indices: ES CPU seconds and wall seconds. */
  const measure = async (name: string): Promise<{ cpu: number; wall: number }> => {
    await dropIndices(es.url, 'cost-raw,cost-kiln-*');
    await variants[name]!.setUp();
    const before = cpuSeconds(es.pid);
    const t0 = performance.now();
    await load(pool, bodiesOf.get(name)!);
    await fetch(`${es.url}/cost-*/_refresh`, { method: 'POST' });
    return { cpu: cpuSeconds(es.pid) - before, wall: (performance.now() - t0) / 1000 };
  };
  // The warm-up round runs every variant once, interleaved, and is not counted: each variant's
  // code paths (auto ids, `create` lookups, the wider mapping) are JIT-compiled before any round.
  log('warm-up round (not counted)…');
  for (const name of chosen) {
    const r = await measure(name);
    log(`  warm-up ${name}: ${r.cpu.toFixed(1)} ES CPU s`);
  }
  const rounds = Number(values.rounds);
  const cpu = new Map<string, number[]>(chosen.map((n) => [n, []]));
  const wall = new Map<string, number[]>(chosen.map((n) => [n, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const name of chosen) {
      const r = await measure(name);
      cpu.get(name)!.push(r.cpu);
      wall.get(name)!.push(r.wall);
      log(`  round ${round} ${name}: ${r.cpu.toFixed(1)} ES CPU s, ${r.wall.toFixed(1)} s`);
    }
  }
  await pool.close();
  const out: string[] = [
    `${lines.length} documents per load, ${rounds} rounds, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
    `| variant | ES CPU s per round | median ES CPU s | µs per document | median wall s | vs raw |`,
    '|---|---|---:|---:|---:|---:|',
  ];
  const rawMedian = median(cpu.get('raw') ?? [Number.NaN]);
  for (const name of chosen) {
    const m = median(cpu.get(name)!);
    out.push(
      `| ${variants[name]!.label} | ${cpu
        .get(name)!
        .map((x) => x.toFixed(1))
        .join(
          ' / ',
        )} | ${m.toFixed(1)} | ${((m / lines.length) * 1e6).toFixed(1)} | ${median(wall.get(name)!).toFixed(1)} | ${(m / rawMedian).toFixed(2)}× |`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await stopLocalEs('bench');
  rmSync(join(es.dir, 'data'), { recursive: true, force: true });
  rmSync(temp, { recursive: true, force: true });
}
