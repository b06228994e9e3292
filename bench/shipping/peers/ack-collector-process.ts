/**
 * A collector stand-in for measuring the agent alone: it speaks the real wire protocol
 * (lib/wire.ts — POST /v1/enroll, gzip NDJSON POST /v1/batches answered with a BatchResult, or
 * the compact BatchAck when asked, as the collector does) but stores nothing: every event of a
 * batch is acknowledged as `stored`. `GET /count` says how many
 * log events it has acknowledged. Usage: node ack-collector-process.ts PORT
 */
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import {
  type BatchResult,
  collectorPaths,
  compactAck,
  compactAckHeader,
  type EnrollRequest,
  type EnrollResponse,
  type WireEvent,
} from '../../../lib/wire.ts';

const port = Number(process.argv[2]);
let logEvents = 0;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding'];
  return encoding === 'gzip' ? gunzipSync(raw) : encoding === 'zstd' ? zstdDecompressSync(raw) : raw;
}

const server = createServer(async (req, res) => {
  const reply = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  try {
    if (req.method === 'GET' && (req.url === collectorPaths.healthz || req.url === collectorPaths.readyz)) {
      return reply(200, { status: 'ok' });
    }
    if (req.method === 'GET' && req.url === '/count') return reply(200, { logEvents });
    if (req.method === 'POST' && req.url === collectorPaths.enroll) {
      const request = JSON.parse((await body(req)).toString('utf8')) as EnrollRequest;
      const answer: EnrollResponse = {
        instanceToken: 'bench-ack-only',
        instanceId: request.instance.id ?? 'bench',
        method: 'fleet-token',
        holder: 'first',
      };
      return reply(200, answer);
    }
    if (req.method === 'POST' && req.url === collectorPaths.batches) {
      const result: BatchResult = { stored: [], duplicates: [], deadLettered: [], failed: [] };
      for (const line of (await body(req)).toString('utf8').split('\n')) {
        if (line === '') continue;
        const event = JSON.parse(line) as WireEvent;
        result.stored.push(event.event.id);
        if (event.kiln.kind === 'log') logEvents++;
      }
      const compact = req.headers[compactAckHeader] === 'compact';
      return reply(200, compact ? compactAck(result, result.stored.length) : result);
    }
    reply(404, { error: 'not_found' });
  } catch (error) {
    reply(400, { error: 'bad_request', message: String(error) });
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stderr.write(`ack-only collector on 127.0.0.1:${port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
