/**
 * The story of one instance as `kiln investigate` tells it: what Elasticsearch holds about it
 * (registry entry, boot facts, bake, lifecycle, drift, decisions, logs) and, built from that by
 * pure functions, the timeline in time order: bake → launch → boot → agent start → drift →
 * decisions → last heartbeat and log line → shutdown or silence.
 */
import { readPath } from '../es-request.ts';
import { journalMarker, type LikelyCause } from './likely-cause.ts';

/** A document's `_source`. */
export type Doc = Record<string, unknown>;

/** One log line. */
export interface LogLine {
  at: string;
  file: string;
  offset: number | null;
  message: string;
}

/** One file's line of the completeness report the agent sent at shutdown. */
export interface CompletenessRow {
  at: string;
  file: string;
  bytesShipped: number | null;
  fileSize: number | null;
  complete: boolean | null;
}

/** What Elasticsearch holds about an instance. */
export interface StoryData {
  instanceId: string;
  registry?: Doc;
  bake?: Doc;
  /** Boot facts, oldest first. */
  facts: Doc[];
  /** Lifecycle events other than heartbeats, oldest first. */
  lifecycle: Doc[];
  heartbeats: { count: number; last?: string };
  drift: { events: Doc[]; total: number };
  decisions: Doc[];
  logs: { lines: LogLine[]; total: number };
  /** What the system's own last words say about the end (likely-cause.ts). */
  causes: LikelyCause[];
  /** The journal's boot and shutdown marker lines, oldest first. */
  journalMarkers: Doc[];
}

/** The phases of a timeline, in the order they sort when two share a timestamp. */
export const timelinePhases = [
  'bake',
  'launch',
  'boot',
  'start',
  'drift',
  'decision',
  'heartbeat',
  'log',
  'notice',
  'shutdown',
  'silence',
  'status',
] as const;
/** One phase of an instance's life. */
export type TimelinePhase = (typeof timelinePhases)[number];

/** One entry of the timeline. */
export interface TimelineEntry {
  at: string;
  phase: TimelinePhase;
  text: string;
}

/** The story with its timeline and completeness report. */
export interface InstanceStory extends StoryData {
  timeline: TimelineEntry[];
  completeness: CompletenessRow[];
}

const str = (doc: Doc | undefined, path: string): string | undefined => {
  if (!doc) return undefined;
  const v = readPath(doc, path);
  return v === null || v === undefined ? undefined : String(v);
};
const num = (doc: Doc, path: string): number | null => {
  const v = readPath(doc, path);
  return typeof v === 'number' ? v : null;
};

/** The per-file completeness rows of the shutdown events, one per file, in file order. */
export function completenessRows(lifecycle: readonly Doc[]): CompletenessRow[] {
  const rows: CompletenessRow[] = [];
  for (const doc of lifecycle) {
    const at = str(doc, '@timestamp') ?? '';
    const raw =
      (doc.kiln as { completeness?: unknown } | undefined)?.completeness ??
      readPath(doc, 'kiln.completeness');
    // One event per file, or one shutdown event listing every file: both are read.
    const entries = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : [];
    for (const entry of entries as Doc[]) {
      // A journal reports entries (shipped of read) where a file reports bytes (shipped of size).
      const journal = str(entry, 'journal');
      const file = str(entry, 'file') ?? (journal ? `journal:${journal}` : undefined);
      if (!file) continue;
      const complete = readPath(entry, 'complete');
      rows.push({
        at,
        file,
        bytesShipped: num(entry, journal ? 'entries_shipped' : 'bytes_shipped'),
        fileSize: num(entry, journal ? 'entries_read' : 'file_size'),
        complete: typeof complete === 'boolean' ? complete : null,
      });
    }
  }
  return rows.sort((a, b) => a.file.localeCompare(b.file) || a.at.localeCompare(b.at));
}

function driftText(doc: Doc): string {
  const what = str(doc, 'kiln.drift.path') ?? str(doc, 'file.path') ?? str(doc, 'package.name') ?? '?';
  const attribute = str(doc, 'kiln.drift.attribute');
  const change = str(doc, 'kiln.drift.change') ?? 'changed';
  const category = str(doc, 'kiln.drift.category');
  return `drift: ${change}${category ? ` ${category}` : ''} ${what}${attribute ? ` (${attribute})` : ''}`;
}

function decisionText(doc: Doc): string {
  const outcome = str(doc, 'kiln.decision.outcome') ?? '?';
  const action = str(doc, 'kiln.decision.action') ?? 'replace';
  const details = [
    str(doc, 'kiln.decision.trigger') && `trigger ${str(doc, 'kiln.decision.trigger')}`,
    str(doc, 'kiln.decision.reason') && `reason ${str(doc, 'kiln.decision.reason')}`,
  ].filter(Boolean);
  const dryRun = readPath(doc, 'kiln.decision.dry_run') === true ? ' [dry run]' : '';
  return `decision ${outcome}: ${action}${details.length ? ` (${details.join(', ')})` : ''}${dryRun}`;
}

/** The timeline of an instance, sorted by time (ties by phase order). */
export function buildTimeline(data: StoryData): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const add = (at: string | undefined, phase: TimelinePhase, text: string) => {
    if (at && !Number.isNaN(Date.parse(at))) entries.push({ at: new Date(at).toISOString(), phase, text });
  };
  const { registry, bake } = data;
  if (bake) {
    const image = [str(bake, 'kiln.bake.image_name'), str(bake, 'kiln.bake.image_version')]
      .filter(Boolean)
      .join(' ');
    const artifacts = str(bake, 'kiln.bake.artifacts');
    add(
      str(bake, 'kiln.bake.finished_at') ?? str(bake, 'kiln.bake.started_at') ?? str(bake, '@timestamp'),
      'bake',
      `bake ${str(bake, 'kiln.bake.id')} ${str(bake, 'kiln.bake.status') ?? ''}${image ? ` (${image})` : ''}${artifacts ? ` → ${artifacts}` : ''}`.replace(
        /\s+/g,
        ' ',
      ),
    );
  }
  const launch =
    str(registry, 'kiln.launch_time') ?? data.facts.map((f) => str(f, 'kiln.launch_time')).find(Boolean);
  add(launch, 'launch', 'instance launched');
  const boots = new Set<string>();
  for (const fact of data.facts) {
    const bootId = str(fact, 'host.boot.id') ?? str(fact, 'kiln.boot_time') ?? str(fact, '@timestamp')!;
    if (boots.has(bootId)) continue;
    boots.add(bootId);
    const image = str(fact, 'cloud.image.id') ?? str(fact, 'host.image.id');
    add(
      str(fact, 'kiln.boot_time') ?? str(fact, '@timestamp'),
      'boot',
      `booted${image ? ` image ${image}` : ''}${str(fact, 'host.name') ? ` as ${str(fact, 'host.name')}` : ''}${str(fact, 'host.boot.id') ? ` (boot ${str(fact, 'host.boot.id')})` : ''}`,
    );
  }
  const shutdowns: Doc[] = [];
  for (const doc of data.lifecycle) {
    const phase = str(doc, 'kiln.lifecycle.phase');
    if (phase === 'start')
      add(
        str(doc, '@timestamp'),
        'start',
        `agent started${str(doc, 'agent.version') ? ` (kiln-agent ${str(doc, 'agent.version')})` : ''}`,
      );
    else if (phase === 'shutdown') shutdowns.push(doc);
  }
  for (const doc of data.journalMarkers ?? []) {
    const marker = journalMarker(doc);
    if (marker) add(str(doc, '@timestamp'), marker.phase, marker.text);
  }
  for (const doc of data.lifecycle) {
    if (str(doc, 'kiln.lifecycle.phase') === 'termination_notice')
      add(str(doc, '@timestamp'), 'notice', str(doc, 'message') ?? 'termination notice');
  }
  const termination = (registry?.kiln as { termination?: Doc } | undefined)?.termination;
  if (termination && str(termination, 'completed_at')) {
    const state = str(termination, 'state');
    const text =
      state === 'completed'
        ? `lifecycle action completed (CONTINUE, ${str(termination, 'trigger') === 'deadline' ? 'on the deadline' : 'after the final report'}; hook ${str(termination, 'hook')} of ${str(termination, 'group')})`
        : `lifecycle action not completed: ${state}${str(termination, 'error') ? ` (${str(termination, 'error')})` : ''}`;
    add(str(termination, 'completed_at'), 'notice', text);
  }
  for (const doc of data.drift.events) add(str(doc, '@timestamp'), 'drift', driftText(doc));
  if (data.drift.total > data.drift.events.length) {
    const last = data.drift.events.at(-1);
    add(
      str(last, '@timestamp'),
      'drift',
      `… and ${data.drift.total - data.drift.events.length} more drift events`,
    );
  }
  for (const doc of data.decisions) add(str(doc, '@timestamp'), 'decision', decisionText(doc));
  if (data.heartbeats.last)
    add(data.heartbeats.last, 'heartbeat', `last heartbeat (${data.heartbeats.count} in all)`);
  const lastLine = data.logs.lines.at(-1);
  if (lastLine) add(lastLine.at, 'log', `last log line, ${lastLine.file}`);
  if (shutdowns.length > 0) {
    const rows = completenessRows(shutdowns);
    const complete = rows.filter((r) => r.complete === true).length;
    const reason = shutdowns.map((d) => str(d, 'kiln.lifecycle.reason')).find(Boolean);
    add(
      str(shutdowns[0], '@timestamp'),
      'shutdown',
      `agent shut down${reason ? ` (${reason})` : ''}${rows.length ? `: ${complete} of ${rows.length} files and journals shipped completely` : ''}`,
    );
  }
  const status = str(registry, 'kiln.status');
  const changedAt = str(registry, 'kiln.status_changed_at');
  const reason = str(registry, 'kiln.status_reason');
  if (status === 'silent') {
    add(
      changedAt,
      'silence',
      `went silent: no heartbeat since ${str(registry, 'kiln.last_seen') ?? 'unknown'}${reason ? ` (${reason})` : ''}`,
    );
  } else if (status && status !== 'running') {
    add(changedAt, 'status', `status ${status}${reason ? ` (${reason})` : ''}`);
  }
  const rank = (p: TimelinePhase) => timelinePhases.indexOf(p);
  return entries.sort((a, b) => a.at.localeCompare(b.at) || rank(a.phase) - rank(b.phase));
}

/** The story of the data: timeline and completeness added. */
export function tellStory(data: StoryData): InstanceStory {
  const shutdowns = data.lifecycle.filter(
    (d) =>
      str(d, 'kiln.lifecycle.phase') === 'shutdown' ||
      readPath(d, 'kiln.completeness.file') !== null ||
      readPath(d, 'kiln.completeness.journal') !== null,
  );
  return { ...data, timeline: buildTimeline(data), completeness: completenessRows(shutdowns) };
}
