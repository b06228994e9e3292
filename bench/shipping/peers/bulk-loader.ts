/** The raw `_bulk` loader as a benchmark shipper (the ceiling: no tailing, no state, no protocol of its own). */
import { join } from 'node:path';
import { countDocs, dropIndices, indexedOps, putPeerTemplate } from '../es-target.ts';
import type { BenchContext, Shipper } from '../shipper.ts';

/** The loader's settings. */
export const bulkLoaderSettings = { batchEvents: 2000, concurrency: 2 } as const;

/** The raw loader as a shipper. */
export function bulkLoaderShipper(ctx: BenchContext): Shipper {
  const index = `${ctx.prefix}-bulk`;
  const s = bulkLoaderSettings;
  return {
    name: 'raw _bulk (Node + undici)',
    settings: `reads the files, ${s.batchEvents} events per _bulk, ${s.concurrency} requests in flight, no compression`,
    async setUp() {
      await putPeerTemplate(ctx.esUrl, index, [index]);
    },
    async launch() {
      const script = join(import.meta.dirname, 'bulk-loader-process.ts');
      return ctx.processes.start(
        'bulk-loader',
        process.execPath,
        [
          script,
          ctx.esUrl,
          index,
          String(s.batchEvents),
          String(s.concurrency),
          ...ctx.files.map((f) => f.path),
        ],
        join(ctx.workDir('bulk'), 'bulk-loader.out'),
      );
    },
    index,
    collector: () => undefined,
    delivered: () => countDocs(ctx.esUrl, index),
    indexed: () => indexedOps(ctx.esUrl, index),
    async tearDown() {
      await dropIndices(ctx.esUrl, index, index);
    },
  };
}
