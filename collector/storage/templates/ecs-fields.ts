/**
 * Mapping fragments in Elastic Common Schema types (https://www.elastic.co/guide/en/ecs/current/).
 * Only types the minimal integ-test-zip distribution has: no match_only_text, wildcard,
 * constant_keyword or scaled_float (those live in modules it lacks).
 */

/** An Elasticsearch field mapping. */
export type FieldMapping = Record<string, unknown>;
/** A `properties` object. */
export type Properties = Record<string, FieldMapping>;

export const keyword: FieldMapping = { type: 'keyword', ignore_above: 1024 };
export const text: FieldMapping = { type: 'text' };
export const date: FieldMapping = { type: 'date' };
export const long: FieldMapping = { type: 'long' };
export const integer: FieldMapping = { type: 'integer' };
export const bool: FieldMapping = { type: 'boolean' };
export const ip: FieldMapping = { type: 'ip' };
export const flattened: FieldMapping = { type: 'flattened' };
/** Stored in _source only: kept for reading, never searched. */
export const storedOnly: FieldMapping = { type: 'keyword', index: false, doc_values: false };
/** Sortable and aggregatable (doc values) but not in the inverted index / BKD tree: no term lookups. */
export const longSortOnly: FieldMapping = { type: 'long', index: false };
/** A date kept as doc values only: sortable, never range-searched fast. */
export const dateSortOnly: FieldMapping = { type: 'date', index: false };

/** An object with these properties. */
export function object(properties: Properties): FieldMapping {
  return { properties };
}

/** ECS fields every kiln document may carry: time, identity of host, cloud and agent. */
export const ecsCommon: Properties = {
  '@timestamp': date,
  message: text,
  tags: keyword,
  // Kept in _source, never mapped: one instance's label names must not grow everyone's mapping.
  labels: { type: 'object', dynamic: false },
  event: object({
    id: keyword,
    kind: keyword,
    category: keyword,
    type: keyword,
    action: keyword,
    dataset: keyword,
    module: keyword,
    outcome: keyword,
    reason: keyword,
    created: date,
    ingested: date,
    sequence: long,
    duration: long,
    original: storedOnly,
  }),
  host: object({
    name: keyword,
    hostname: keyword,
    id: keyword,
    ip: ip,
    mac: keyword,
    architecture: keyword,
    uptime: long,
    boot: object({ id: keyword }),
    image: object({ id: keyword }),
    os: object({
      name: keyword,
      full: keyword,
      family: keyword,
      platform: keyword,
      version: keyword,
      kernel: keyword,
      type: keyword,
    }),
  }),
  cloud: object({
    provider: keyword,
    region: keyword,
    availability_zone: keyword,
    account: object({ id: keyword }),
    instance: object({ id: keyword, name: keyword }),
    image: object({ id: keyword }),
    machine: object({ type: keyword }),
  }),
  agent: object({ id: keyword, name: keyword, type: keyword, version: keyword, ephemeral_id: keyword }),
  error: object({ message: text, type: keyword, code: keyword }),
};

/** The identity kiln stamps on every event (`kiln.*` where ECS has no field). */
export const kilnIdentity: Properties = {
  kind: keyword,
  bake: object({ id: keyword }),
  boot_time: date,
  launch_time: date,
  /** Set by the collector when `@timestamp` was outside the accepted window (routed by arrival). */
  ingest: object({ out_of_window: bool }),
};
