/** Small HTTP helpers of the ingest server: JSON answers and the bearer token. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers with a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Answers with `{ error: { code, reason } }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  reason: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, reason } }, headers);
}

/** The bearer token of a request, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
  return match?.[1];
}
