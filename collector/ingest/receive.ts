/**
 * Receiving a batch body within bounds: the wire bytes and the inflated bytes are both counted
 * against the shared byte budget as they arrive (so no batch, however it is compressed, holds
 * more than the budget allows), each against its own per-batch cap, and gzip is inflated as a
 * stream on the thread pool, stopping at the cap instead of allocating what a bomb asks for.
 */
import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import type { ByteBudget } from './rate-limit.ts';

/** Why a body was refused; `status` is the answer (413 too large, 415 encoding, 400 bad gzip, 503 budget). */
export class ReceiveError extends Error {
  override readonly name = 'ReceiveError';
  readonly status: 400 | 413 | 415 | 503;
  constructor(status: 400 | 413 | 415 | 503, message: string) {
    super(message);
    this.status = status;
  }
}

/** The encodings a batch may have (https://www.rfc-editor.org/rfc/rfc9110#name-content-encoding). */
export function encodingOf(header: string | undefined): BodyEncoding | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'zstd' && zstdAvailable) return 'zstd';
  return undefined;
}

/** The `Content-Encoding`s of a batch the collector reads. */
export type BodyEncoding = 'identity' | 'gzip' | 'zstd';

/** Whether this Node has zstd (zlib's, since Node 22.15 and 23.8); without it, zstd is refused (415). */
export const zstdAvailable = typeof (zlib as Partial<typeof zlib>).createZstdDecompress === 'function';

/** A reservation on the byte budget that grows chunk by chunk and is released once. */
export class Reservation {
  readonly #budget: ByteBudget;
  #bytes = 0;

  constructor(budget: ByteBudget) {
    this.#budget = budget;
  }

  /** Reserves `bytes` more; throws 503 when the collector holds all it may. */
  add(bytes: number): void {
    if (!this.#budget.reserve(bytes)) {
      throw new ReceiveError(503, 'the collector is holding as many batch bytes as it may; retry later');
    }
    this.#bytes += bytes;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Gives everything back. Idempotent. */
  release(): void {
    this.#budget.release(this.#bytes);
    this.#bytes = 0;
  }
}

/** Reads the body, failing at `maxBytes`, reserving as it goes. */
export async function readBoundedBody(
  req: IncomingMessage,
  maxBytes: number,
  reservation: Reservation,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes)
    throw new ReceiveError(413, `the body (${declared} bytes) is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new ReceiveError(413, `the body is larger than ${maxBytes} bytes`);
    reservation.add(buffer.length);
    chunks.push(buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Inflates a gzip or zstd body, failing at `maxBytes` of output, reserving as it goes. */
export function inflateBounded(
  body: Buffer,
  maxBytes: number,
  reservation: Reservation,
  encoding: 'gzip' | 'zstd' = 'gzip',
): Promise<Buffer> {
  // One output chunk of the size the body declares, when the cap allows it, reserved before it
  // is allocated: no list of 16 KiB chunks copied into one buffer at the end. The inflated
  // batches were most of what the collector allocated outside V8's heap, and V8 runs a full
  // collection for every ~64 MB of that (bench/RESULTS.md). A byte to spare: a chunk filled to
  // the end makes zlib allocate the next. A false declaration only costs the copy again.
  const declared = declaredSize(body, encoding);
  const chunkSize =
    declared !== undefined && declared < maxBytes
      ? Math.max(declared + 1, zlib.constants.Z_MIN_CHUNK)
      : undefined;
  let reserved = 0;
  return new Promise((resolve, reject) => {
    if (chunkSize !== undefined) {
      reservation.add(chunkSize); // a 503 rejects
      reserved = chunkSize;
    }
    const options = chunkSize === undefined ? {} : { chunkSize };
    const inflater = encoding === 'zstd' ? zlib.createZstdDecompress(options) : zlib.createGunzip(options);
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: ReceiveError) => {
      if (failed) return;
      failed = true;
      inflater.destroy();
      reject(error);
    };
    inflater.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(
          new ReceiveError(413, `the batch inflates to more than ${maxBytes} bytes; send smaller batches`),
        );
        return;
      }
      try {
        if (size > reserved) {
          reservation.add(size - reserved);
          reserved = size;
        }
      } catch (error) {
        fail(error as ReceiveError);
        return;
      }
      chunks.push(chunk);
    });
    inflater.on('error', (error) =>
      fail(new ReceiveError(400, `the body is not valid ${encoding}: ${error.message}`)),
    );
    inflater.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    inflater.end(body);
  });
}

/**
 * The size a body says it inflates to, when it says one: a zstd frame's content size
 * (https://www.rfc-editor.org/rfc/rfc8878#name-frame-header), gzip's ISIZE trailer (the last
 * member's size modulo 2^32, https://www.rfc-editor.org/rfc/rfc1952#page-5). Only a hint.
 */
export function declaredSize(body: Buffer, encoding: 'gzip' | 'zstd'): number | undefined {
  if (encoding === 'gzip') return body.length >= 18 ? body.readUInt32LE(body.length - 4) : undefined;
  if (body.length < 6 || body.readUInt32LE(0) !== 0xfd2fb528) return undefined;
  const descriptor = body[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  const sizeFlag = descriptor >> 6;
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]!;
  const width = [singleSegment, 2, 4, 8][sizeFlag]!;
  if (width === 0 || at + width > body.length) return undefined;
  if (width === 1) return body[at]!;
  if (width === 2) return body.readUInt16LE(at) + 256;
  if (width === 4) return body.readUInt32LE(at);
  const size = body.readBigUInt64LE(at);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : undefined;
}
