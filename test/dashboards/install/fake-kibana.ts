/**
 * A stand-in for Kibana, because no Kibana can run here. It speaks the parts of Kibana's HTTP API
 * that `kiln dashboards install` uses, as documented: `GET /api/status` (version) and
 * `POST /api/saved_objects/_import` (https://www.elastic.co/guide/en/kibana/8.19/saved-objects-api-import.html)
 * with spaces as `/s/<id>/…`, the `kbn-xsrf` header check, basic and API-key auth, a multipart
 * body whose `file` field must be an `.ndjson` file, `overwrite`, and per-object errors
 * (`conflict`, `unsupported_type`, and `unknown` for a document newer than this Kibana).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake behaves. */
export interface FakeKibanaOptions {
  version: string;
  /** Accepted `Authorization` header values; none means security is off. */
  acceptedAuth?: string[];
  /** The saved-object types this Kibana has. */
  types?: string[];
}

/** One request the fake received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  fileName?: string;
  objects?: Array<{ id: string; type: string }>;
}

/** A running fake Kibana. */
export interface FakeKibana {
  url: string;
  requests: ReceivedRequest[];
  /** Stored objects per space, by `type:id`. */
  spaces: Map<string, Map<string, unknown>>;
  close(): Promise<void>;
}

const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });

function newerThan(a: string, b: string): boolean {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

/** Reads the `file` part of a multipart/form-data body (RFC 7578). */
function multipartFile(contentType: string, body: Buffer): { fileName: string; content: string } | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return undefined;
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  for (const part of body.toString('utf8').split(delimiter)) {
    const [head, ...rest] = part.split('\r\n\r\n');
    if (!head || !/name="file"/.test(head)) continue;
    const fileName = /filename="([^"]*)"/.exec(head)?.[1] ?? '';
    return { fileName, content: rest.join('\r\n\r\n').replace(/\r\n$/, '') };
  }
  return undefined;
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeKibana(options: FakeKibanaOptions): Promise<FakeKibana> {
  const requests: ReceivedRequest[] = [];
  const spaces = new Map<string, Map<string, unknown>>();
  const types = options.types ?? ['index-pattern', 'search', 'lens', 'dashboard', 'visualization'];

  const handle = (req: IncomingMessage, body: Buffer): { status: number; body: string } => {
    const url = new URL(req.url ?? '/', 'http://kibana');
    const space = /^\/s\/([^/]+)\//.exec(url.pathname)?.[1] ?? 'default';
    const path = url.pathname.replace(/^\/s\/[^/]+/, '');
    const received: ReceivedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
    };
    requests.push(received);
    if (options.acceptedAuth && !options.acceptedAuth.includes(req.headers.authorization ?? '')) {
      return json(401, {
        statusCode: 401,
        error: 'Unauthorized',
        message: '[security_exception]: unable to authenticate user',
      });
    }
    if (req.method === 'GET' && path === '/api/status') {
      return json(200, {
        name: 'kibana',
        version: { number: options.version },
        status: { overall: { level: 'available' } },
      });
    }
    if (req.method !== 'POST' || path !== '/api/saved_objects/_import') {
      return json(404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    }
    if (req.headers['kbn-xsrf'] === undefined) {
      return json(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'Request must contain a kbn-xsrf header.',
      });
    }
    const file = multipartFile(req.headers['content-type'] ?? '', body);
    if (!file) {
      return json(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: '[request body.file]: expected value of type [Stream]',
      });
    }
    received.fileName = file.fileName;
    if (!file.fileName.endsWith('.ndjson')) {
      return json(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: `Invalid file extension ${file.fileName}`,
      });
    }
    const objects = file.content
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(
        (l) =>
          JSON.parse(l) as {
            id: string;
            type: string;
            typeMigrationVersion?: string;
            attributes?: { title?: string };
          },
      );
    received.objects = objects.map(({ id, type }) => ({ id, type }));
    const store = spaces.get(space) ?? new Map<string, unknown>();
    spaces.set(space, store);
    const overwrite = url.searchParams.get('overwrite') === 'true';
    const errors: unknown[] = [];
    const successResults: unknown[] = [];
    for (const o of objects) {
      const meta = { title: o.attributes?.title ?? o.id };
      if (!types.includes(o.type)) {
        errors.push({ id: o.id, type: o.type, meta, error: { type: 'unsupported_type' } });
      } else if (o.typeMigrationVersion && newerThan(o.typeMigrationVersion, options.version)) {
        errors.push({
          id: o.id,
          type: o.type,
          meta,
          error: {
            type: 'unknown',
            message: `Document "${o.id}" belongs to a more recent version of Kibana [${o.typeMigrationVersion}] when the last known version is [${options.version}].`,
            statusCode: 400,
          },
        });
      } else if (store.has(`${o.type}:${o.id}`) && !overwrite) {
        errors.push({ id: o.id, type: o.type, meta, error: { type: 'conflict' } });
      } else {
        store.set(`${o.type}:${o.id}`, o);
        successResults.push({ id: o.id, type: o.type, meta, ...(overwrite ? { overwrite: true } : {}) });
      }
    }
    return json(200, {
      success: errors.length === 0,
      successCount: successResults.length,
      successResults,
      ...(errors.length > 0 ? { errors } : {}),
    });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { status, body } = handle(req, Buffer.concat(chunks));
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spaces,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
