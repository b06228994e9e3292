/**
 * Builds the ECS document of one journal entry, with the field names Filebeat's journald input
 * uses (https://www.elastic.co/guide/en/beats/filebeat/current/filebeat-input-journald.html,
 * "Translated field names"), and every field it does not know under one `flattened` field,
 * `journald.custom` (lowercase, leading underscores dropped), so an unknown field never adds a
 * mapping. Three places differ from Filebeat on purpose: `host.boot.id` is ECS's and dashed like
 * the kernel's boot id (the boot facts carry the same value), the machine id goes to
 * `journald.machine_id` because the collector owns `host.id`, and `_UID`/`_GID` go to
 * `process.user.id`/`process.group.id` (ECS) rather than `user.*`.
 */
import { kilnVersion } from '../../../lib/version.ts';
import { deriveEventId, type WireEvent } from '../../../lib/wire.ts';
import type { AgentIdentity } from '../../pipeline/source.ts';
import { dashedId, parseCursor } from './cursor.ts';
import type { JournalEntry } from './export-parser.ts';

type Kind = 'string' | 'integer';
/** Journal field → [dotted ECS path, type]. */
export const journalFieldMap: Readonly<Record<string, readonly [string, Kind]>> = {
  MESSAGE: ['message', 'string'],
  PRIORITY: ['log.syslog.priority', 'integer'],
  SYSLOG_FACILITY: ['log.syslog.facility.code', 'integer'],
  SYSLOG_IDENTIFIER: ['log.syslog.appname', 'string'],
  SYSLOG_PID: ['log.syslog.procid', 'string'],
  _PID: ['process.pid', 'integer'],
  TID: ['process.thread.id', 'integer'],
  _CMDLINE: ['process.command_line', 'string'],
  _COMM: ['process.name', 'string'],
  _EXE: ['process.executable', 'string'],
  _UID: ['process.user.id', 'string'],
  _GID: ['process.group.id', 'string'],
  _CAP_EFFECTIVE: ['process.capabilities', 'string'],
  _AUDIT_SESSION: ['process.audit.session', 'string'],
  _AUDIT_LOGINUID: ['process.audit.login_uid', 'string'],
  _SYSTEMD_UNIT: ['systemd.unit', 'string'],
  _SYSTEMD_USER_UNIT: ['systemd.user_unit', 'string'],
  _SYSTEMD_SLICE: ['systemd.slice', 'string'],
  _SYSTEMD_USER_SLICE: ['systemd.user_slice', 'string'],
  _SYSTEMD_CGROUP: ['systemd.cgroup', 'string'],
  _SYSTEMD_SESSION: ['systemd.session', 'string'],
  _SYSTEMD_OWNER_UID: ['systemd.owner_uid', 'string'],
  _SYSTEMD_INVOCATION_ID: ['systemd.invocation_id', 'string'],
  _TRANSPORT: ['systemd.transport', 'string'],
  _HOSTNAME: ['host.hostname', 'string'],
  _MACHINE_ID: ['journald.machine_id', 'string'],
  MESSAGE_ID: ['journald.message_id', 'string'],
  UNIT: ['journald.unit', 'string'],
  USER_UNIT: ['journald.user_unit', 'string'],
  CODE_FILE: ['journald.code.file', 'string'],
  CODE_FUNC: ['journald.code.func', 'string'],
  CODE_LINE: ['journald.code.line', 'integer'],
  ERRNO: ['journald.errno', 'integer'],
  _KERNEL_DEVICE: ['journald.kernel.device', 'string'],
  _KERNEL_SUBSYSTEM: ['journald.kernel.subsystem', 'string'],
  _UDEV_SYSNAME: ['journald.kernel.device_name', 'string'],
  _UDEV_DEVNODE: ['journald.kernel.device_node_path', 'string'],
};

/** The map's paths split once: the builder runs for every entry. */
const splitPaths = new Map(
  Object.entries(journalFieldMap).map(([name, [path, kind]]) => [name, [path.split('.'), kind] as const]),
);

/** Fields read for the event's identity and time, or dropped as noise. */
const handledElsewhere = new Set([
  '__CURSOR',
  '__REALTIME_TIMESTAMP',
  '__MONOTONIC_TIMESTAMP',
  '__SEQNUM',
  '__SEQNUM_ID',
  '_BOOT_ID',
  '_SOURCE_REALTIME_TIMESTAMP',
  '_SOURCE_MONOTONIC_TIMESTAMP',
]);

const severityPath = ['log', 'syslog', 'severity'];

/** Syslog severity names by PRIORITY (RFC 5424 §6.2.1). */
export const severityNames = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** What an event needs beyond the entry. */
export interface JournalEventContext {
  identity: AgentIdentity;
  /** The configured input's id (`kiln.log.journal`). */
  journal: string;
  readAtMs: number;
}

/** The ECS event of an entry; undefined for an entry without a cursor (never shipped). */
export function buildJournalEvent(entry: JournalEntry, context: JournalEventContext): WireEvent | undefined {
  const cursor = first(entry.fields.get('__CURSOR'));
  const parts = cursor ? parseCursor(cursor) : undefined;
  if (!cursor || !parts) return undefined;
  const doc: Record<string, unknown> = {};
  const custom: Record<string, string | string[]> = {};
  for (const [name, value] of entry.fields) {
    if (handledElsewhere.has(name)) continue;
    const mapped = splitPaths.get(name);
    if (!mapped) {
      custom[customKey(name)] = value;
      continue;
    }
    const text = first(value)!;
    const typed = mapped[1] === 'integer' ? toInteger(text) : text;
    if (typed !== undefined) setKeys(doc, mapped[0], typed);
  }
  const { identity } = context;
  const bootId = first(entry.fields.get('_BOOT_ID')) ?? parts.bootId;
  const realtimeUs = Number(first(entry.fields.get('__REALTIME_TIMESTAMP')) ?? parts.realtimeUs);
  const priority = (doc.log as { syslog?: { priority?: number } } | undefined)?.syslog?.priority;
  const severity = priority !== undefined ? severityNames[priority] : undefined;
  doc.log ??= {};
  const log = doc.log as Record<string, unknown>;
  if (severity) {
    log.level = severity;
    setKeys(doc, severityPath, { code: priority, name: severity });
  }
  if (doc.message === undefined) doc.message = '';
  doc.journald ??= {};
  const journald = doc.journald as Record<string, unknown>;
  Object.assign(journald, {
    cursor,
    seqnum: parts.seqnum,
    seqnum_id: parts.seqnumId,
    monotonic_us: Number(first(entry.fields.get('__MONOTONIC_TIMESTAMP')) ?? parts.monotonicUs),
  });
  if (Object.keys(custom).length > 0) journald.custom = custom;
  if (entry.truncated.length > 0) journald.truncated_fields = entry.truncated;
  const kilnLog: Record<string, unknown> = { journal: context.journal };
  if (entry.truncated.includes('MESSAGE')) kilnLog.truncated = true;
  return {
    ...doc,
    '@timestamp': new Date(
      Number.isFinite(realtimeUs) && realtimeUs > 0 ? realtimeUs / 1000 : context.readAtMs,
    ).toISOString(),
    host: {
      ...((doc.host as object | undefined) ?? {}),
      name: identity.hostname,
      boot: { id: bootId ? dashedBootId(bootId) : identity.bootId },
    },
    agent: { type: 'kiln-agent', version: kilnVersion, id: identity.instanceId },
    event: {
      id: deriveEventId(identity.instanceId, `journald:${parts.bootId}:${parts.seqnumId}`, parts.seqnum),
      dataset: 'journald',
      sequence: parts.seqnum,
    },
    kiln: { kind: 'log', log: kilnLog },
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function toInteger(text: string): number | undefined {
  const n = Number.parseInt(text, 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `_FOO_BAR` → `foo_bar`: Filebeat's naming of the fields it keeps under `journald.custom`. */
function customKey(name: string): string {
  let start = 0;
  while (name.charCodeAt(start) === 0x5f) start++;
  return (start > 0 ? name.slice(start) : name).toLowerCase();
}

function setKeys(doc: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let at = doc;
  const last = keys.length - 1;
  for (let i = 0; i < last; i++) {
    const key = keys[i]!;
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[last]!] = value;
}

/** A journal holds a handful of boots: their dashed ids are made once each. */
let lastBoot: [string, string] = ['', ''];
function dashedBootId(id: string): string {
  if (lastBoot[0] !== id) lastBoot = [id, dashedId(id)];
  return lastBoot[1];
}
