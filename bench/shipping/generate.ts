/**
 * Deterministic log generator for the shipping benchmark: nginx/Apache "combined" access-log
 * lines and JSON application lines, seeded so every run (and every shipper) sees the same bytes.
 * Combined format: https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** One generated file and what it holds. */
export interface GeneratedFile {
  path: string;
  lines: number;
  bytes: number;
}

/** A seeded pseudo-random source (mulberry32): fast, 32-bit state, same sequence for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const methods = ['GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD'];
const paths = [
  '/',
  '/index.html',
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/users/{id}/profile',
  '/static/js/app.{id}.js',
  '/static/css/site.css',
  '/images/products/{id}.jpg',
  '/healthz',
  '/search?q=boots&page={id}',
  '/cart/checkout',
  '/login',
];
const statuses = [200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 404, 500, 502, 503];
const referrers = [
  '-',
  'https://www.example.com/',
  'https://www.google.com/search?q=kiln',
  'https://shop.example.com/cart',
];
const agents = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'curl/7.88.1',
  'Go-http-client/1.1',
  'kube-probe/1.29',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];
const users = ['-', '-', '-', 'alice', 'bob', 'svc-deploy'];
const levels = ['info', 'info', 'info', 'info', 'debug', 'warn', 'error'];
const loggers = ['api.orders', 'api.users', 'worker.billing', 'db.pool', 'cache.redis', 'auth.session'];
const messages = [
  'order created',
  'payment authorized',
  'user profile updated',
  'cache miss, loading from database',
  'connection acquired from pool',
  'slow query detected',
  'session refreshed',
  'retrying upstream request after timeout',
  'invoice rendered',
];
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `10/Oct/2000:13:55:36 +0000`, the access log's `$time_local` (in UTC). */
export function timeLocal(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${monthNames[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** One combined-format access-log line (no newline). */
export function accessLine(random: () => number, atMs: number): string {
  const ip = `${10 + Math.floor(random() * 200)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
  const path = pick(random, paths).replace('{id}', String(Math.floor(random() * 100_000)));
  const status = pick(random, statuses);
  const size = status === 204 || status === 304 ? 0 : Math.floor(random() * 60_000);
  return `${ip} - ${pick(random, users)} [${timeLocal(atMs)}] "${pick(random, methods)} ${path} HTTP/1.1" ${status} ${size} "${pick(random, referrers)}" "${pick(random, agents)}"`;
}

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length)
    out += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}

/** One JSON application log line (no newline); about one in fifty carries a stack trace. */
export function jsonLine(random: () => number, atMs: number): string {
  const level = pick(random, levels);
  const event: Record<string, unknown> = {
    ts: new Date(atMs).toISOString(),
    level,
    logger: pick(random, loggers),
    msg: pick(random, messages),
    trace_id: hex(random, 32),
    span_id: hex(random, 16),
    user_id: Math.floor(random() * 1_000_000),
    duration_ms: Math.round(random() * 250_000) / 100,
    http: {
      method: pick(random, methods),
      path: pick(random, paths).replace('{id}', '42'),
      status: pick(random, statuses),
    },
  };
  if (level === 'error' && random() < 0.3) {
    event.error = {
      type: 'TimeoutError',
      stack_trace: Array.from(
        { length: 8 },
        (_, i) => `    at handler${i} (/srv/app/lib/module${i}.js:${10 + i * 7}:${3 + i})`,
      ).join('\n'),
    };
  }
  return JSON.stringify(event);
}

/** Options of generateLogs. */
export interface GenerateOptions {
  dir: string;
  /** Total size to write, in bytes (the last line may overshoot a little). */
  totalBytes: number;
  /** Number of files; the first half are access logs, the rest JSON application logs. Default 4. */
  files?: number;
  /** Seed of the generator. Default 42. */
  seed?: number;
  /** Time of the first line. Default 2025-03-01T00:00:00Z. */
  startMs?: number;
}

/** Writes the files (`access-N.log`, `app-N.log`) and returns their line counts and sizes. */
export async function generateLogs(options: GenerateOptions): Promise<GeneratedFile[]> {
  const count = options.files ?? 4;
  const perFile = Math.ceil(options.totalBytes / count);
  const out: GeneratedFile[] = [];
  for (let i = 0; i < count; i++) {
    const access = i < Math.ceil(count / 2);
    const name = access ? `access-${i + 1}.log` : `app-${i + 1}.log`;
    const random = seededRandom((options.seed ?? 42) * 1000 + i);
    out.push(
      await writeFile(
        join(options.dir, name),
        perFile,
        random,
        access,
        options.startMs ?? Date.UTC(2025, 2, 1),
      ),
    );
  }
  return out;
}

async function writeFile(
  path: string,
  targetBytes: number,
  random: () => number,
  access: boolean,
  startMs: number,
): Promise<GeneratedFile> {
  const stream = createWriteStream(path);
  let bytes = 0;
  let lines = 0;
  let atMs = startMs;
  let chunk: string[] = [];
  let chunkBytes = 0;
  while (bytes < targetBytes) {
    atMs += Math.floor(random() * 20);
    const line = `${access ? accessLine(random, atMs) : jsonLine(random, atMs)}\n`;
    // Every generated character is ASCII, so string length equals byte length.
    chunk.push(line);
    chunkBytes += line.length;
    bytes += line.length;
    lines++;
    if (chunkBytes >= 1 << 20) {
      if (!stream.write(chunk.join(''))) await new Promise<void>((r) => stream.once('drain', () => r()));
      chunk = [];
      chunkBytes = 0;
    }
  }
  stream.write(chunk.join(''));
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { path, lines, bytes };
}
