/**
 * Names of kiln's indices. Event families are time-based (`<prefix>-<family>-YYYY.MM.DD`, UTC),
 * state lives in single indices. The prefix (default `kiln`) lets several kiln installations,
 * or test runs, share one cluster without touching each other.
 */

/** Time-based event families. */
export const eventFamilies = [
  'logs',
  'facts',
  'drift',
  'lifecycle',
  'actions',
  'deadletter',
  'audit',
] as const;
/** One of the time-based families. */
export type EventFamily = (typeof eventFamilies)[number];

/** Single-index state families. */
export const stateFamilies = ['registry', 'bakes', 'tokens'] as const;
/** One of the state families. */
export type StateFamily = (typeof stateFamilies)[number];

/** Every family. */
export type IndexFamily = EventFamily | StateFamily;

/** The default index prefix. */
export const defaultIndexPrefix = 'kiln';

/** Index name helpers for one prefix. */
export interface IndexNames {
  readonly prefix: string;
  /** The daily index of a family for a timestamp (UTC day). */
  daily(family: EventFamily, at: Date | number): string;
  /** The single index of a state family. */
  state(family: StateFamily): string;
  /** The pattern covering a family's indices (`kiln-logs-*`, or `kiln-registry`). */
  pattern(family: IndexFamily): string;
}

/** Builds the index names for a prefix; the prefix must be a valid lowercase index-name start. */
export function indexNames(prefix: string = defaultIndexPrefix): IndexNames {
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(prefix)) {
    throw new Error(`invalid index prefix "${prefix}": lowercase letters, digits, "-", "_" or "." only`);
  }
  return {
    prefix,
    daily: (family, at) => `${prefix}-${family}-${utcDay(at)}`,
    state: (family) => `${prefix}-${family}`,
    pattern: (family) => (isStateFamily(family) ? `${prefix}-${family}` : `${prefix}-${family}-*`),
  };
}

/** True for the single-index families. */
export function isStateFamily(family: IndexFamily): family is StateFamily {
  return (stateFamilies as readonly string[]).includes(family);
}

const dayMs = 86_400_000;
// The last day named: the collector routes every line of a batch, nearly always to one day.
let lastDayStartMs = Number.NaN;
let lastDay = '';

/** `YYYY.MM.DD` of a timestamp in UTC. */
export function utcDay(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  if (ms >= lastDayStartMs && ms < lastDayStartMs + dayMs) return lastDay;
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}.${twoDigits(d.getUTCMonth() + 1)}.${twoDigits(d.getUTCDate())}`;
  if (Number.isFinite(ms)) {
    lastDayStartMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    lastDay = day;
  }
  return day;
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** Parses the day of a daily index name of this prefix and family; undefined when it is not one. */
export function parseDailyIndex(
  name: string,
  prefix: string,
): { family: EventFamily; dayStartMs: number } | undefined {
  for (const family of eventFamilies) {
    const head = `${prefix}-${family}-`;
    if (!name.startsWith(head)) continue;
    const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(name.slice(head.length));
    if (!m) return undefined;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (utcDay(ms) !== name.slice(head.length)) return undefined;
    return { family, dayStartMs: ms };
  }
  return undefined;
}
