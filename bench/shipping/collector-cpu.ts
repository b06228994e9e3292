/**
 * The collector's CPU per log event, without the network: the agent's exact NDJSON batches
 * (its encoder, 2 000 events each) through the collector's decode → bulk items (spliced or
 * stamped) → `_bulk` body, in one process. Prints µs of CPU per event per stage. A micro-benchmark to find where
 * the collector hop's CPU goes (the end-to-end figure is bench/shipping/run.ts's).
 *
 *   node bench/shipping/collector-cpu.ts [--events 200000] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { decodeBatch } from '../../collector/ingest/decode.ts';
import { itemsOfBatch } from '../../collector/ingest/items.ts';
import { encodeBulkCreate } from '../../collector/storage/bulk-writer/encoder.ts';
import { indexNames } from '../../lib/indices.ts';
import { renderTable } from '../../lib/table.ts';
import { accessLine, jsonLine, seededRandom } from './generate.ts';
import { benchEncoder, benchIdentity } from './kiln-event.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } },
});
const total = Number(values.events);
const rounds = Number(values.rounds);

const identity = benchIdentity();
const encoder = benchEncoder(identity);
const random = seededRandom(42);
const startMs = Date.now();
const readAt = new Date(startMs).toISOString();
const batches: Buffer[] = [];
let offset = 0;
for (let i = 0; i < total; i += 2000) {
  const lines: string[] = [];
  for (let j = i; j < Math.min(total, i + 2000); j++) {
    const text = j % 2 === 0 ? accessLine(random, startMs) : jsonLine(random, startMs);
    const record = { offset, end: 0, text, truncated: false, invalidUtf8: false, originalBytes: 0, lines: 1 };
    offset += Buffer.byteLength(text) + 1;
    lines.push(encoder.encode(record, { path: '/var/log/app/app.log', fingerprint: 'fp-1' }, readAt).json);
  }
  batches.push(Buffer.from(`${lines.join('\n')}\n`));
}

const names = indexNames('kiln');
const window = { maxPastMs: 7 * 86_400_000, maxFutureMs: 86_400_000 };
const limits = { maxEvents: 10_000, maxEventBytes: 1 << 20, maxDepth: 32 };
const stages = {
  decode: 0,
  items: 0,
  encode: 0,
};
let bodyBytes = 0;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let r = 0; r < rounds; r++) {
  for (const raw of batches) {
    let t = cpu();
    const decoded = decodeBatch(raw, limits);
    stages.decode += cpu() - t;
    const now = Date.now();
    const ingestedAt = new Date(now).toISOString();
    t = cpu();
    const { items } = itemsOfBatch(decoded, { identity, ingestedAt, nowMs: now, names, window });
    stages.items += cpu() - t;
    t = cpu();
    const body = encodeBulkCreate(items);
    stages.encode += cpu() - t;
    bodyBytes += body.length;
  }
}
const events = total * rounds;
const perEvent = (ms: number) => ((ms * 1000) / events).toFixed(2);
const rows = Object.entries(stages).map(([stage, ms]) => [stage, perEvent(ms)]);
rows.push(['total', perEvent(stages.decode + stages.items + stages.encode)]);
console.log(
  `${events} events in ${batches.length * rounds} batches; _bulk body ${(bodyBytes / events).toFixed(0)} bytes per event`,
);
console.log(renderTable(['stage', 'µs CPU per event'], rows));
