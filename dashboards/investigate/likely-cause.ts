/**
 * "Likely cause": what a dead server's own last words say about its end (pure). The kernel's
 * OOM killer, a segfault or a kernel panic, a unit systemd saw fail, a spot or Auto Scaling
 * termination notice, and the last application error; each the latest of its kind, with its
 * time and the lines around it. The journal's boot and shutdown markers go on the timeline.
 * Elasticsearch narrows the lines with phrase queries on `message` (the minimal cluster has
 * no regexp on text); the regular expressions here decide.
 */
import { readPath } from '../es-request.ts';

/** A document's `_source`. */
type Doc = Record<string, unknown>;

/** The kinds of cause, in the order they are shown. */
export const causeKinds = ['kernel', 'failed-unit', 'termination', 'app-error'] as const;
/** One kind of cause. */
export type CauseKind = (typeof causeKinds)[number];

/** One line of the story around a cause. */
export interface ContextLine {
  at: string;
  source: string;
  message: string;
}

/** One likely cause. */
export interface LikelyCause {
  kind: CauseKind;
  /** What it is, in a few words (`OOM kill`, `segfault`, `kernel panic`, `unit failed`, …). */
  what: string;
  at: string;
  source: string;
  message: string;
  /** The lines just before and after it, from the same instance. */
  context: ContextLine[];
}

const kernelPatterns: Array<[RegExp, string]> = [
  [/Out of memory: Killed process|invoked oom-killer|oom-kill:|Memory cgroup out of memory/, 'OOM kill'],
  [/Kernel panic|kernel BUG at|\bOops\b/, 'kernel panic'],
  [/segfault at|general protection fault|traps: .* trap /, 'segfault'],
];
const failedUnit =
  /Failed with result '([^']+)'|entered failed state|Main process exited, code=(?:killed|dumped)/;
const appError = /\b(ERROR|FATAL|CRITICAL|panic|Traceback|Exception|Unhandled)\b/;

/** The phrases that narrow the search (any of them; the patterns above decide). */
export const causePhrases = [
  'Out of memory',
  'oom-killer',
  'oom-kill',
  'Kernel panic',
  'kernel BUG',
  'Oops',
  'segfault',
  'general protection fault',
  'traps',
  'Failed with result',
  'entered failed state',
  'Main process exited',
  'ERROR',
  'FATAL',
  'CRITICAL',
  'panic',
  'Traceback',
  'Exception',
  'Unhandled',
];

/** The phrases of the journal's boot and shutdown markers. */
export const markerPhrases = [
  'Linux version',
  'Journal started',
  'Journal stopped',
  'Reached target',
  'System is powering down',
  'System is rebooting',
];
const bootMarker = /^Linux version |^Journal started/;
const shutdownMarker =
  /Reached target .*(Shutdown|Power-Off|Reboot|Halt)|System is (powering down|rebooting)|^Journal stopped/;

const str = (doc: Doc, path: string): string | undefined => {
  const v = readPath(doc, path);
  return v === null || v === undefined ? undefined : String(v);
};

/** Where a line came from: its file, else its unit or identifier in the journal. */
export function sourceOf(doc: Doc): string {
  const file = str(doc, 'log.file.path');
  if (file) return file;
  const unit = str(doc, 'systemd.unit');
  const ident = str(doc, 'log.syslog.appname');
  const transport = str(doc, 'systemd.transport');
  if (transport === 'kernel') return 'journal:kernel';
  return `journal:${unit && unit !== 'init.scope' ? unit : (ident ?? unit ?? '?')}`;
}

/** Which cause a log line shows, if any. */
export function classifyLine(doc: Doc): { kind: CauseKind; what: string } | undefined {
  const message = str(doc, 'message') ?? '';
  const kernel = str(doc, 'systemd.transport') === 'kernel' || str(doc, 'log.syslog.appname') === 'kernel';
  for (const [pattern, what] of kernelPatterns) if (pattern.test(message)) return { kind: 'kernel', what };
  const unit = failedUnit.exec(message);
  if (unit) {
    const result = unit[1];
    return { kind: 'failed-unit', what: `unit failed${result ? ` (${result})` : ''}` };
  }
  if (kernel) return undefined;
  const priority = readPath(doc, 'log.syslog.priority');
  const severe = typeof priority === 'number' && priority <= 3;
  if (severe || appError.test(message)) return { kind: 'app-error', what: 'application error' };
  return undefined;
}

/** Where a line sits among lines of the same millisecond: journal seqnum, else file offset. */
function positionOf(doc: Doc): number {
  const seq = readPath(doc, 'event.sequence') ?? readPath(doc, 'log.offset');
  return typeof seq === 'number' ? seq : 0;
}

/** The latest line of each kind among `docs` (any order), without context yet. */
export function latestCauses(docs: readonly Doc[]): LikelyCause[] {
  const latest = new Map<CauseKind, LikelyCause & { position: number }>();
  for (const doc of docs) {
    const found = classifyLine(doc);
    const at = str(doc, '@timestamp');
    if (!found || !at) continue;
    const known = latest.get(found.kind);
    const position = positionOf(doc);
    // Several lines often share a millisecond (the OOM killer writes a burst): the later one wins.
    if (known && (known.at > at || (known.at === at && known.position >= position))) continue;
    latest.set(found.kind, {
      position,
      kind: found.kind,
      what: found.what,
      at,
      source: sourceOf(doc),
      message: str(doc, 'message') ?? '',
      context: [],
    });
  }
  return [...latest.values()].map(({ position: _, ...cause }) => cause);
}

/** A termination notice (lifecycle event) as a cause. */
export function terminationCause(lifecycle: readonly Doc[]): LikelyCause | undefined {
  const notices = lifecycle.filter((d) => str(d, 'kiln.lifecycle.phase') === 'termination_notice');
  const last = notices.at(-1);
  if (!last) return undefined;
  const kind = str(last, 'kiln.lifecycle.termination');
  return {
    kind: 'termination',
    what: kind === 'spot' ? 'spot interruption notice' : 'Auto Scaling termination notice',
    at: str(last, '@timestamp') ?? '',
    source: 'instance metadata',
    message: str(last, 'message') ?? '',
    context: [],
  };
}

/** Orders causes for display: kernel, failed unit, termination, application error. */
export function orderCauses(causes: readonly LikelyCause[]): LikelyCause[] {
  return [...causes].sort((a, b) => causeKinds.indexOf(a.kind) - causeKinds.indexOf(b.kind));
}

/** A journal boot or shutdown marker line, for the timeline. */
export function journalMarker(doc: Doc): { phase: 'boot' | 'shutdown'; text: string } | undefined {
  const message = str(doc, 'message') ?? '';
  const boot = str(doc, 'host.boot.id');
  if (bootMarker.test(message))
    return { phase: 'boot', text: `journal: boot${boot ? ` ${boot}` : ''} began: ${message.slice(0, 120)}` };
  if (shutdownMarker.test(message))
    return { phase: 'shutdown', text: `journal: ${message.slice(0, 120)}${boot ? ` (boot ${boot})` : ''}` };
  return undefined;
}

/** A log line as a context line. */
export function contextLine(doc: Doc): ContextLine {
  return { at: str(doc, '@timestamp') ?? '', source: sourceOf(doc), message: str(doc, 'message') ?? '' };
}
