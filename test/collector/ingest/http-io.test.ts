/**
 * refuseUnread: a client refused before its body is read still reads the refusal. Real Node HTTP
 * server, raw TCP client (so the test sees what the kernel does, not what one HTTP client forgives).
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { refuseUnread } from '../../../collector/ingest/http-io.ts';

const KiB = 1024;
let server: Server | undefined;

afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function refusingServer(maxBytes: number): Promise<number> {
  server = createServer((req, res) =>
    refuseUnread(req, res, maxBytes, {
      status: 429,
      code: 'rate_limited',
      reason: 'over its byte rate',
      headers: { 'retry-after': '3' },
    }),
  );
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', () => done()));
  return (server.address() as { port: number }).port;
}

/** Sends a POST of `size` bytes in two halves `pauseMs` apart; resolves with what came back. */
function postInHalves(port: number, size: number, pauseMs: number) {
  return new Promise<{ response: string; error?: string; sentAll: boolean }>((done) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let sentAll = false;
    let error: string | undefined;
    socket.on('data', (d) => (response += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => done({ response, error, sentAll }));
    socket.write(`POST /v1/batches HTTP/1.1\r\nhost: x\r\ncontent-length: ${size}\r\n\r\n`);
    socket.write(Buffer.alloc(size / 2, 'a'));
    setTimeout(() => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(Buffer.alloc(size / 2, 'b'), (e) => (sentAll = !e));
    }, pauseMs);
  });
}

describe('refuseUnread', () => {
  it('lets a client that is still sending its body finish it, then answers the status and Retry-After', async () => {
    const port = await refusingServer(4096 * KiB);
    const { response, error, sentAll } = await postInHalves(port, 2048 * KiB, 300);
    expect(error).toBeUndefined();
    expect(sentAll).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 429 /);
    expect(response).toMatch(/\r\nretry-after: 3\r\n/i);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'rate_limited', reason: 'over its byte rate' },
    });
  });

  it('reads no more than its byte bound of a body before answering and closing', async () => {
    const port = await refusingServer(64 * KiB);
    const { response, sentAll } = await postInHalves(port, 2048 * KiB, 300);
    // The answer went out after 64 KiB, before the second half: that half was never taken.
    expect(response).toMatch(/^HTTP\/1\.1 429 /);
    expect(sentAll).toBe(false);
  });

  it('answers a request with no body at once', async () => {
    const port = await refusingServer(64 * KiB);
    const res = await fetch(`http://127.0.0.1:${port}/v1/batches`, { method: 'POST' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ error: { code: 'rate_limited', reason: 'over its byte rate' } });
  });
});
