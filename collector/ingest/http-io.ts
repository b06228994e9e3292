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

/** The Retry-After header of a wait, in whole seconds (at least 1). */
export function retryAfter(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}

/** How long, at most, a refused request's unread body is read and discarded before the answer. */
const lingerMs = 2000;

/**
 * Refuses a request whose body will not be used, so that the client reads the refusal. Closing
 * while a client is still writing its body makes the kernel reset the connection, and the client
 * sees EPIPE or ECONNRESET instead of the status and its Retry-After (an agent would then retry on
 * its own backoff, not the collector's). So the body is read and discarded, never buffered, until
 * it ends, `maxBytes` have passed or 2 s have gone by (nginx's lingering close); then the answer
 * goes out and the connection closes.
 */
export function refuseUnread(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  error: { status: number; code: string; reason: string; headers?: Record<string, string> },
): void {
  let answered = false;
  let timer: NodeJS.Timeout | undefined;
  const answer = () => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    req.off('data', count);
    if (res.destroyed || res.headersSent) return;
    sendError(res, error.status, error.code, error.reason, { ...error.headers, connection: 'close' });
  };
  let read = 0;
  const count = (chunk: Buffer) => {
    read += chunk.length;
    if (read > maxBytes) answer();
  };
  if (req.complete) {
    answer();
    return;
  }
  timer = setTimeout(answer, lingerMs);
  req.on('data', count);
  req.once('end', answer);
  req.once('close', answer);
  req.resume();
}

/** The bearer token of a request, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
  return match?.[1];
}
