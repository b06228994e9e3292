/**
 * The agent's canonical log lines are spliced, not stamped: the stored document must be byte for
 * byte what the general path (normalise → stampIdentity → toBulkItem → JSON.stringify) makes of
 * the same line, and a line that is not exactly the canonical form must take the general path.
 */
import { describe, expect, it } from 'vitest';
import { LogEventEncoder } from '../../../agent/sources/file/event-builder.ts';
import { decodeBatch } from '../../../collector/ingest/decode.ts';
import { expandDottedKeys } from '../../../collector/ingest/normalize.ts';
import { LogSplicer } from '../../../collector/ingest/splice.ts';
import { type LogIdentity, stampIdentity, toBulkItem } from '../../../collector/ingest/stamp.ts';
import { sourceOf } from '../../../collector/storage/bulk-writer/encoder.ts';
import type { InstanceIdentity } from '../../../collector/tokens/identity.ts';
import { indexNames } from '../../../lib/indices.ts';
import { deriveEventId, type WireEvent } from '../../../lib/wire.ts';
import { attestedIdentity, testIdentity } from '../../support/identity.ts';

const names = indexNames('kiln');
const nowMs = Date.parse('2026-11-22T10:00:00.000Z');
const ingestedAt = new Date(nowMs).toISOString();
const window = { maxPastMs: 7 * 86_400_000, maxFutureMs: 86_400_000 };
const limits = { maxEvents: 100, maxEventBytes: 1 << 20, maxDepth: 32 };
const agent = { instanceId: 'i-0abc', hostname: 'claimed-host', bootId: 'boot-1' };

/** The agent's own line for `text` at `offset` of `path`. */
function agentLine(text: string, offset = 0, path = '/var/log/app.log', readAt = ingestedAt): string {
  const encoder = new LogEventEncoder(agent, { timestamp: undefined, json: false });
  const record = { text, offset, end: 0, lines: 1, truncated: false, invalidUtf8: false, originalBytes: 0 };
  return encoder.encode(record, { path, fingerprint: `fp-${path}` }, readAt).json;
}

/** What the general path stores for a line: its _id, index and document text. */
function generalPath(line: string, identity: InstanceIdentity, logIdentity: LogIdentity) {
  const normalized = expandDottedKeys(JSON.parse(line));
  if (!normalized.ok) throw new Error(normalized.reason);
  const stamped = stampIdentity(normalized.value as WireEvent, identity, ingestedAt, logIdentity);
  const item = toBulkItem(stamped, names, identity.instanceId, window, nowMs, logIdentity);
  return { id: item.id, index: item.index, source: JSON.stringify(item.doc) };
}

/** What the collector stores for a line, and whether it was spliced. */
function collectorPath(line: string | Buffer, identity: InstanceIdentity, logIdentity: LogIdentity = 'lean') {
  const [decoded] = decodeBatch(Buffer.isBuffer(line) ? line : Buffer.from(line), limits);
  if (!decoded?.canonical) return { spliced: false };
  const splicer = new LogSplicer({ identity, ingestedAt, nowMs, names, window, logIdentity });
  const item = splicer.item(decoded.canonical);
  return { spliced: true, id: item.id, index: item.index, source: sourceOf(item) };
}

const identities: Array<[string, InstanceIdentity]> = [
  ['a token identity with a hostname', testIdentity({ instanceId: 'i-0abc', hostname: 'web-1' })],
  ['a token identity with no hostname, image or bake', testIdentity({ instanceId: 'i-0abc' })],
  [
    'an attested identity with a bake',
    attestedIdentity({ instanceId: 'i-0abc', hostname: 'web-1', bakeId: 'bake-7' }),
  ],
];

const messages: Array<[string, string]> = [
  ['plain ASCII', 'GET /item/42 200 0.004'],
  ['the empty message', ''],
  ['quotes and backslashes', 'say "hi" \\ C:\\dir\\ "\\"'],
  ['a backslash before the closing quote', 'ends with \\'],
  ['two backslashes before the closing quote', 'ends with \\\\'],
  ['control characters', 'tab\there\u0001\u001f bell\u0007'],
  ['non-ASCII text and an emoji', 'café Größe ✓ 🚀 日本語'],
  ['the text of a canonical tail', '","log":{"file":{"path":"/x"},"offset":1},"kiln":{"kind":"log"}}'],
  ['characters JSON.stringify escapes specially', '\u2028\u2029 </script>'],
];

describe('LogSplicer', () => {
  for (const [identityCase, identity] of identities) {
    for (const logIdentity of ['lean', 'full'] as const) {
      for (const [messageCase, message] of messages) {
        it(`stores ${messageCase} exactly as the general path does (${identityCase}, ${logIdentity})`, () => {
          const line = agentLine(message, 4096, '/var/log/ünïcode app.log');
          const spliced = collectorPath(line, identity, logIdentity);
          expect(spliced.spliced).toBe(true);
          expect(spliced).toEqual({ spliced: true, ...generalPath(line, identity, logIdentity) });
        });
      }
    }
  }

  it('routes a line outside the timestamp window to the arrival day and marks it, as the general path does', () => {
    const identity = testIdentity({ instanceId: 'i-0abc', hostname: 'web-1' });
    const line = agentLine('old', 0, '/var/log/app.log', '2020-01-01T00:00:00.000Z');
    const spliced = collectorPath(line, identity);
    expect(spliced).toEqual({ spliced: true, ...generalPath(line, identity, 'lean') });
    expect(JSON.parse(spliced.source!).kiln.ingest).toEqual({ out_of_window: true });
    expect(spliced.index).toBe(names.daily('logs', nowMs));
  });

  it('stores a batch of interleaved files, boots and days line by line as the general path does', () => {
    const identity = attestedIdentity({ instanceId: 'i-0abc', hostname: 'web-1', bakeId: 'bake-7' });
    // Consecutive lines of one file that change only their window, only their boot, then the file.
    const old = '2020-01-01T00:00:00.000Z';
    const plan: Array<[string, string, string]> = [
      ['/var/log/a.log', ingestedAt, 'boot-1'],
      ['/var/log/a.log', old, 'boot-1'],
      ['/var/log/a.log', old, 'boot-1'],
      ['/var/log/a.log', '2026-11-21T23:59:59.999Z', 'boot-1'],
      ['/var/log/a.log', ingestedAt, 'boot-2'],
      ['/var/log/a.log', ingestedAt, 'boot-1'],
      ['/var/log/b.log', ingestedAt, 'boot-1'],
      ['/var/log/ab.log', ingestedAt, 'boot-1'],
      ['/var/log/ab.log', old, 'boot-2'],
    ];
    const lines = plan.map(([path, readAt, boot], i) =>
      agentLine(`line ${i}`, 100 * i, path, readAt).replace('"boot-1"', `"${boot}"`),
    );
    const decoded = decodeBatch(Buffer.from(lines.join('\n')), limits);
    const splicer = new LogSplicer({ identity, ingestedAt, nowMs, names, window, logIdentity: 'lean' });
    const stored = decoded.map((d) => {
      const item = splicer.item(d.canonical!);
      return { spliced: true, id: item.id, index: item.index, source: sourceOf(item) };
    });
    expect(stored).toEqual(lines.map((line) => ({ spliced: true, ...generalPath(line, identity, 'lean') })));
    expect(new Set(stored.map((s) => JSON.parse(s.source).host.boot.id))).toEqual(
      new Set(['boot-1', 'boot-2']),
    );
  });

  it('reads @timestamp as Date.parse does: routes, marks and refuses each line as the general path', () => {
    const identity = testIdentity({ instanceId: 'i-0abc', hostname: 'web-1' });
    const stamped = (ts: string) => agentLine('x').replace(ingestedAt, ts);
    const readable = [
      '2026-11-22T09:59:59.999Z',
      '2026-11-15T10:00:00.000Z',
      '2026-11-15T09:59:59.999Z',
      '2026-11-23T10:00:00.000Z',
      '2026-11-23T10:00:00.001Z',
      '2026-11-19T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2026-11-21T24:00:00.000Z',
      '0999-01-01T00:00:00.000Z',
      '2026-11-22T10:00:00Z',
      '2026-11-22T11:00:00.000+01:00',
    ];
    for (const ts of readable) {
      expect({ ts, ...collectorPath(stamped(ts), identity) }).toEqual({
        ts,
        spliced: true,
        ...generalPath(stamped(ts), identity, 'lean'),
      });
    }
    for (const ts of [
      '2026-11-22T23:59:60.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-11-2aT10:00:00.000Z',
      'now',
    ]) {
      expect(() => decodeBatch(Buffer.from(stamped(ts)), limits), ts).toThrow(
        'line 1: "@timestamp" must be an ISO-8601 date string',
      );
    }
  });

  it("gives a line the file-position _id only when its event id is the agent's id of that position", () => {
    const identity = testIdentity({ instanceId: 'i-0abc' });
    const line = agentLine('x', 10);
    expect(collectorPath(line, identity).id).toBe(generalPath(line, identity, 'lean').id);
    const forged = line.replace(deriveEventId('i-0abc', 'fp-/var/log/app.log', 10), 'someone-elses-id');
    const stored = collectorPath(forged, identity);
    expect(stored.spliced).toBe(true);
    expect(stored.id).toBe(generalPath(forged, identity, 'lean').id);
    expect(stored.id).not.toBe(collectorPath(line, identity).id);
  });
});

describe('canonical form', () => {
  const identity = testIdentity({ instanceId: 'i-real', hostname: 'real-host', agentId: 'agt_real' });
  const line = agentLine('GET / 200');
  const [head, tail] = [line.slice(0, line.indexOf(',"log":')), line.slice(line.indexOf(',"log":'))];

  const notCanonical: Array<[string, string]> = [
    [
      'a collector-owned field added',
      line.replace(',"log":', ',"cloud":{"instance":{"id":"i-victim"}},"log":'),
    ],
    ['a dotted key', line.replace(',"log":', ',"cloud.instance.id":"i-victim","log":')],
    ['the message given twice', `${head},"message":"second"${tail}`],
    ['the host given twice', `${head},"host":{"name":"victim"}${tail}`],
    ['kiln given twice', `${head},"kiln":{"bake":{"id":"forged"}}${tail}`],
    [
      'agent.type and version, as older agents sent them',
      line.replace('"agent":{"id":"i-0abc"}', '"agent":{"id":"i-0abc","type":"kiln-agent"}'),
    ],
    ['a bake claimed inside kiln', line.replace('"kind":"log",', '"kind":"log","bake":{"id":"forged"},')],
    ['whitespace between members', line.replace(',"log":', ', "log":')],
    [
      'members in another order',
      `{"message":"GET / 200",${line.slice(1, line.indexOf(',"message"'))}${tail}`,
    ],
    ['an offset spelt as a float', line.replace('"offset":0', '"offset":0.0')],
    ['an offset of 16 digits', line.replace('"offset":0', '"offset":1000000000000000')],
    ['a path spelt with an escape', line.replace('"path":"/var/log/app.log"', '"path":"\\/var/log/app.log"')],
    ['a timestamp spelt with an escape', line.replace('"@timestamp":"2', '"@timestamp":"\\u0032')],
    ['a carriage return before the newline', `${line}\r`],
  ];
  for (const [what, variant] of notCanonical) {
    it(`takes the general path for a line with ${what}`, () => {
      expect(() => JSON.parse(variant)).not.toThrow();
      expect(variant).not.toBe(line);
      expect(collectorPath(variant, identity).spliced).toBe(false);
    });
  }

  it('stores a duplicated or forged member as the general path does: the last one, overwritten by the identity', () => {
    const [decoded] = decodeBatch(Buffer.from(`${head},"host":{"name":"victim"}${tail}`), limits);
    const stamped = stampIdentity(decoded!.event, identity, ingestedAt);
    expect(stamped.host).toEqual({ boot: { id: 'boot-1' }, name: 'real-host' });
    expect(stamped.agent).toEqual({ id: 'agt_real' });
  });

  it('is spliced when canonical, and the stored copy names the token identity, not the claimed one', () => {
    const stored = collectorPath(line, identity, 'full');
    expect(stored.spliced).toBe(true);
    const doc = JSON.parse(stored.source!);
    expect(doc.host).toEqual({ boot: { id: 'boot-1' }, name: 'real-host' });
    expect(doc.agent).toEqual({ id: 'agt_real' });
    expect(doc.cloud).toEqual({ instance: { id: 'i-real' } });
    expect(doc.event).toEqual({
      id: deriveEventId('i-0abc', 'fp-/var/log/app.log', 0),
      ingested: ingestedAt,
    });
    expect(doc.kiln).toEqual({ kind: 'log', log: { fingerprint: 'fp-/var/log/app.log' } });
  });

  it('stores a lean line without the agent ids its _id is made of, under the same _id', () => {
    const lean = collectorPath(line, identity, 'lean');
    const full = collectorPath(line, identity, 'full');
    expect(lean.spliced).toBe(true);
    expect(lean.id).toBe(full.id);
    expect(JSON.parse(lean.source!)).toEqual({
      '@timestamp': ingestedAt,
      message: 'GET / 200',
      log: { file: { path: '/var/log/app.log' }, offset: 0 },
      event: { ingested: ingestedAt },
      cloud: { instance: { id: 'i-real' } },
      host: { boot: { id: 'boot-1' }, name: 'real-host' },
      kiln: { kind: 'log' },
    });
  });

  it('stores a message spelt with an unneeded escape as sent, which is the same value', () => {
    const variant = line.replace('GET / 200', 'GET \\/ 200');
    const stored = collectorPath(variant, identity);
    expect(stored.spliced).toBe(true);
    expect(stored.source).toContain('"message":"GET \\/ 200"');
    expect(JSON.parse(stored.source!)).toEqual(JSON.parse(generalPath(variant, identity, 'lean').source));
  });

  it('takes the general path for a batch that is not valid UTF-8, and stores the line as it always did', () => {
    const bytes = Buffer.concat([
      Buffer.from(head.slice(0, -1)),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`"${tail}`),
    ]);
    expect(collectorPath(bytes, identity).spliced).toBe(false);
    const [decoded] = decodeBatch(bytes, limits);
    expect(decoded!.event.message).toBe('GET / 200\ufffd(');
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['an unknown escape in the message', line.replace('GET / 200', 'GET \\x 200'), /line 1: not valid JSON/],
    [
      'a short unicode escape in the message',
      line.replace('GET / 200', 'GET \\u12 200'),
      /line 1: not valid JSON/,
    ],
    [
      'a raw control character in the message',
      line.replace('GET / 200', 'GET \u0001 200'),
      /line 1: not valid JSON/,
    ],
    ['an offset with a leading zero', line.replace('"offset":0', '"offset":07'), /line 1: not valid JSON/],
    [
      'an empty event id',
      line.replace(/"event":\{"id":"[^"]+"\}/, '"event":{"id":""}'),
      /line 1: "event.id" must be/,
    ],
    [
      'a timestamp that is not a date',
      line.replace(/"@timestamp":"[^"]+"/, '"@timestamp":"yesterday"'),
      /line 1: "@timestamp" must be/,
    ],
  ];
  for (const [what, variant, error] of invalid) {
    it(`refuses a canonical-looking line with ${what}, as the general path does`, () => {
      expect(() => decodeBatch(Buffer.from(variant), limits)).toThrow(error);
    });
  }

  it('takes the general path when maxDepth is below the canonical depth, and so refuses the line', () => {
    expect(() => decodeBatch(Buffer.from(line), { ...limits, maxDepth: 2 })).toThrow(/nested deeper than 2/);
  });
});
