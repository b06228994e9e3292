/**
 * The Elasticsearch `_id` of an event (pure). Always scoped to the instance the token names, so
 * one instance can never occupy (and so suppress) another instance's ids.
 *
 * A file line's id is cheap for Lucene to look up: a per-file prefix (a hash of the instance and
 * the file's fingerprint) followed by the line's byte offset, zero-padded, so one file's ids
 * share a prefix and increase (https://www.elastic.co/guide/en/elasticsearch/reference/8.19/tune-for-indexing-speed.html#_use_auto_generated_ids).
 * Random hashes scatter every `create`'s version lookup over the whole terms dictionary.
 * It is used only when the event's own id is exactly the agent's deterministic id of that file
 * and offset (lib/wire.ts deriveEventId), so the two stay one-to-one: the same line always maps
 * to the same `_id` across restarts and midnight, and no two different event ids share one.
 * Every other event keeps the hashed id.
 */
import { hash } from 'node:crypto';
import { deriveEventId, type WireEvent } from '../../lib/wire.ts';

/** The hashed `_id`: the agent's id scoped to the instance. */
export function storedIdOf(instanceId: string, eventId: string): string {
  return deriveEventId(instanceId, 'wire', eventId);
}

/** Digits of the offset part: enough for any safe integer. */
const offsetDigits = 16;
// Per-file prefixes, reused for every line of the file; cleared when it grows past this.
const maxCachedPrefixes = 4096;
const prefixes = new Map<string, string>();

// The last file's prefix: a batch is mostly one file's lines.
let lastInstanceId = '';
let lastFingerprint = '';
let lastPrefix = '';

function filePrefix(instanceId: string, fingerprint: string): string {
  if (instanceId === lastInstanceId && fingerprint === lastFingerprint) return lastPrefix;
  lastPrefix = cachedFilePrefix(instanceId, fingerprint);
  lastInstanceId = instanceId;
  lastFingerprint = fingerprint;
  return lastPrefix;
}

function cachedFilePrefix(instanceId: string, fingerprint: string): string {
  const key = `${instanceId}\u0000${fingerprint}`;
  let prefix = prefixes.get(key);
  if (prefix === undefined) {
    if (prefixes.size >= maxCachedPrefixes) prefixes.clear();
    // 16 base64url characters (12 bytes): Elasticsearch stores such an id as its decoded bytes,
    // and decimal digits keep their order there (base64url values 52-61).
    prefix = hash('sha256', `${instanceId}\u0000file\u0000${fingerprint}`, 'base64url').slice(0, 16);
    prefixes.set(key, prefix);
  }
  return prefix;
}

/** The file position a log event claims, when it is a well-formed one. */
function filePosition(event: WireEvent): { fingerprint: string; offset: number } | undefined {
  if (event.kiln.kind !== 'log') return undefined;
  const log = event.log as { offset?: unknown } | undefined;
  const kilnLog = event.kiln.log as { fingerprint?: unknown } | undefined;
  const offset = log?.offset;
  const fingerprint = kilnLog?.fingerprint;
  if (typeof fingerprint !== 'string' || fingerprint === '') return undefined;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { fingerprint, offset };
}

/** The `_id` of an event from the instance `instanceId` (see the file comment). */
export function storedIdOfEvent(instanceId: string, event: WireEvent): string {
  const position = filePosition(event);
  return position
    ? storedIdOfPosition(instanceId, position.fingerprint, position.offset, event.event.id)
    : storedIdOf(instanceId, event.event.id);
}

/** The `_id` of a well-formed log event at `offset` of the file `fingerprint` (see the file comment). */
export function storedIdOfPosition(
  instanceId: string,
  fingerprint: string,
  offset: number,
  eventId: string,
): string {
  if (fingerprint !== '' && eventId === deriveEventId(instanceId, fingerprint, offset)) {
    return filePrefix(instanceId, fingerprint) + String(offset).padStart(offsetDigits, '0');
  }
  return storedIdOf(instanceId, eventId);
}
