/**
 * Stable saved-object ids: a UUID version 5 (RFC 9562 §5.5, SHA-1 of a namespace and a name) of
 * the index prefix and the object's key. The same build always yields the same ids, so
 * re-importing with overwrite updates objects in place instead of piling up copies, and two
 * installations with different prefixes never overwrite each other in one Kibana.
 */
import { createHash } from 'node:crypto';

/** kiln's own namespace UUID for saved-object ids (random once, fixed forever). */
export const kilnNamespace = '6f3c1f0e-8d7a-4c55-9b1e-2f4a6d8c0b13';

/** The UUID v5 of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string = kilnNamespace): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of one kiln saved object (`data-view:logs`, `dashboard:fleet-overview`, …) under a prefix. */
export function savedObjectId(prefix: string, key: string): string {
  return uuidV5(`kiln:${prefix}:${key}`);
}
