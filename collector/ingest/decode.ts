/**
 * Decodes a batch body: gzip (when the request says so) with a limit on the inflated size,
 * then NDJSON, one event per line, each checked against the wire schema. A malformed line
 * fails the whole batch with its line number, so the agent never half-ships a batch.
 */
import { gunzipSync } from 'node:zlib';
import { eventKinds, type WireEvent } from '../../lib/wire.ts';

/** Why a body could not be decoded; `status` is the HTTP answer to give. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly status: 400 | 413;
  constructor(status: 400 | 413, message: string) {
    super(message);
    this.status = status;
  }
}

/** Limits on a batch. */
export interface DecodeLimits {
  maxInflatedBytes: number;
  maxEvents: number;
}

/** Inflates (if gzip) and parses a batch body into events. Throws DecodeError. */
export function decodeBatch(
  body: Buffer,
  contentEncoding: string | undefined,
  limits: DecodeLimits,
): WireEvent[] {
  let raw = body;
  if (contentEncoding && /gzip/i.test(contentEncoding)) {
    try {
      raw = gunzipSync(body, { maxOutputLength: limits.maxInflatedBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw new DecodeError(
          413,
          `the batch inflates to more than ${limits.maxInflatedBytes} bytes; send smaller batches`,
        );
      }
      throw new DecodeError(400, `the body is not valid gzip: ${(error as Error).message}`);
    }
  } else if (raw.length > limits.maxInflatedBytes) {
    throw new DecodeError(
      413,
      `the batch is larger than ${limits.maxInflatedBytes} bytes; send smaller batches`,
    );
  }
  const text = raw.toString('utf8');
  const events: WireEvent[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new DecodeError(400, `line ${lineNo}: not valid JSON (${(error as Error).message})`);
    }
    const problem = checkWireEvent(parsed);
    if (problem) throw new DecodeError(400, `line ${lineNo}: ${problem}`);
    events.push(parsed as WireEvent);
    if (events.length > limits.maxEvents) {
      throw new DecodeError(413, `the batch has more than ${limits.maxEvents} events; send smaller batches`);
    }
  }
  if (events.length === 0) throw new DecodeError(400, 'the batch holds no events');
  return events;
}

/** What is wrong with one decoded line, or undefined when it is a valid wire event. */
export function checkWireEvent(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const event = value as Record<string, unknown>;
  const meta = event.event as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null) return 'missing "event" object with the event id';
  const id = meta.id;
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > 512) {
    return '"event.id" must be a non-empty string of at most 512 bytes';
  }
  const kiln = event.kiln as Record<string, unknown> | undefined;
  if (typeof kiln !== 'object' || kiln === null || !(eventKinds as readonly unknown[]).includes(kiln.kind)) {
    return `"kiln.kind" must be one of ${eventKinds.join(', ')}`;
  }
  const ts = event['@timestamp'];
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts)))
    return '"@timestamp" must be an ISO-8601 date string';
  return undefined;
}
