/**
 * How the agent compresses a batch for the wire (`Content-Encoding`), at each codec's fastest
 * level. zlib's zstd (Node 22.15, 23.8 and later) is about 2.5× faster than gzip and smaller
 * (bench/RESULTS.md); on a Node without it the agent sends gzip.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const gzipAsync = promisify(zlib.gzip);
const zstdCompress = (zlib as Partial<typeof zlib>).zstdCompress;
const zstdAsync = zstdCompress ? promisify(zstdCompress) : undefined;

/** How a batch is compressed on the wire. */
export type BatchEncoding = 'zstd' | 'gzip';

/** zstd when this Node has it, else gzip. */
export const defaultBatchEncoding: BatchEncoding = zstdAsync ? 'zstd' : 'gzip';

/** Compresses a batch for the wire. */
export function compressBatch(text: string, encoding: BatchEncoding): Promise<Buffer> {
  if (encoding === 'zstd' && zstdAsync) {
    // The pledged size goes into the frame header: the collector inflates into one buffer of it.
    return zstdAsync(text, {
      params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 },
      pledgedSrcSize: Buffer.byteLength(text),
    });
  }
  return gzipAsync(text, { level: zlib.constants.Z_BEST_SPEED });
}
