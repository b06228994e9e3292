/**
 * The bake module: wraps Packer and Ansible so every image carries the agent, its baseline and
 * its provenance. `runBake` does one bake; `openBakeStore` picks where bakes are recorded.
 */
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../lib/indices.ts';
import { esBakeStore } from './store/es-store.ts';
import { localBakeStore } from './store/local-store.ts';
import type { BakeStore } from './store/record.ts';

export { type BakeOptions, type BakeResult, runBake } from './bake.ts';
export { type BakeConfig, loadBakeConfig } from './config.ts';
export type { BakeRecord, BakeStore } from './store/record.ts';

/** The Elasticsearch store when `es` is given, else the local directory store. */
export function openBakeStore(
  where: { es: { client: Client; names: IndexNames; url?: string } } | { localDir: string },
): BakeStore {
  if ('es' in where) return esBakeStore(where.es.client, where.es.names, where.es.url);
  return localBakeStore(where.localDir);
}
