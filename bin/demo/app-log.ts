/**
 * A small, realistic application log the demo writes while it runs (access lines, JSON lines,
 * and now and then a multiline stack trace), so the dashboards and counts show live data
 * next to the machine's own logs.
 */
import { appendFileSync } from 'node:fs';

const paths = ['/api/orders', '/api/items', '/healthz', '/login', '/api/cart'];
const statuses = [200, 200, 200, 201, 304, 404, 500];

/** One line (or multiline group) of the demo application log for step `n`. */
export function demoLogLines(n: number, at: Date): string {
  const ts = at.toISOString();
  if (n % 25 === 24) {
    return `${ts} ERROR order ${n} failed: timeout talking to payments\n    at PaymentsClient.charge (payments.js:42)\n    at OrderService.checkout (orders.js:118)\n`;
  }
  if (n % 3 === 0) {
    return `${JSON.stringify({ time: ts, level: 'info', msg: 'order placed', order: n, amount_cents: (n * 137) % 10_000 })}\n`;
  }
  const path = paths[n % paths.length]!;
  const status = statuses[n % statuses.length]!;
  return `${ts} 10.0.0.${n % 250} "GET ${path}/${n} HTTP/1.1" ${status} ${(n * 53) % 5000} ${(n * 7) % 300}ms\n`;
}

/** Appends a line to `file` every `intervalMs` until the returned stop is called. */
export function startDemoLog(file: string, intervalMs = 200): () => void {
  let n = 0;
  const timer = setInterval(() => appendFileSync(file, demoLogLines(n++, new Date())), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
