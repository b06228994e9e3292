/**
 * What a log line costs Elasticsearch, field by field (issue 11). Log indices hold nearly every
 * document kiln writes, so each field of a log line is either indexed because someone searches
 * or filters on it, kept as doc values only because something sorts on it, or kept in `_source`
 * only (shown in Discover, never searched):
 *
 * - indexed: `@timestamp`, `message` (without norms: log lines are read newest first, never
 *   ranked by length, and norms cost a value per document), `log.file.path`, `host.name`,
 *   `cloud.*` (the identity the collector stamps from the token; dashboards and
 *   `kiln investigate` filter on `cloud.instance.id`), `kiln.kind`, `kiln.bake.id`, and the
 *   journal's fields (the likely-cause search filters on `log.syslog.priority`).
 * - not stored by default: the agent's own ids (`event.id`, `kiln.log.fingerprint`, `agent.*`),
 *   which the `_id` is made of; with `logIdentity: full` they are stored as below.
 * - doc values only (`index: false`): `log.offset` (the tie-breaker of "last log lines" and
 *   `kiln investigate`), `event.ingested`, `event.id` (`full`: the `_id` already finds an
 *   event), `host.boot.id`
 *   (constant for a file's lines; shown and grouped by, and a Discover filter on it still
 *   works through doc values; the lifecycle and facts indices keep it indexed).
 * - `_source` only (`full`): `agent.*` of a log line (the registry and the lifecycle events
 *   carry the agent), `kiln.log.fingerprint` (the `_id`'s prefix is made of it).
 *
 * A field that is not indexed still shows in Discover from `_source`; it only cannot be
 * filtered on, which none of kiln's consumers do for log lines.
 */
import {
  dateSortOnly,
  ecsCommon,
  type FieldMapping,
  longSortOnly,
  object,
  type Properties,
  storedOnly,
} from './ecs-fields.ts';

function propertiesOf(mapping: FieldMapping | undefined): Properties {
  return ((mapping as { properties?: Properties } | undefined)?.properties ?? {}) as Properties;
}

/** The ECS `event` and `agent` objects of log indices (see the file comment). */
export function logsEcsOverrides(): Properties {
  const event = { ...propertiesOf(ecsCommon.event), id: keywordSortOnly, ingested: dateSortOnly };
  const agent: Properties = {};
  for (const name of Object.keys(propertiesOf(ecsCommon.agent))) agent[name] = storedOnly;
  const hostProperties = propertiesOf(ecsCommon.host);
  const host = {
    ...hostProperties,
    boot: object({ ...propertiesOf(hostProperties.boot), id: keywordSortOnly }),
  };
  return {
    message: { type: 'text', norms: false },
    event: object(event),
    agent: object(agent),
    host: object(host),
  };
}

/** A keyword with doc values (sortable, filterable slowly) but no inverted index. */
const keywordSortOnly: FieldMapping = { type: 'keyword', ignore_above: 1024, index: false };

/** `log.offset` of log indices: sortable, not searchable. */
export const logOffset: FieldMapping = longSortOnly;

/** `kiln.log.fingerprint`: kept in `_source` (it is the `_id`'s prefix). */
export const logFingerprint: FieldMapping = storedOnly;
