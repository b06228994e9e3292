/**
 * Where a record's @timestamp comes from: a regex capture in the line, or a field of a JSON
 * line, else the time it was read (ECS `@timestamp`: https://www.elastic.co/docs/reference/ecs/ecs-base).
 */

/** Compiled timestamp settings. */
export interface TimestampRule {
  pattern?: RegExp;
  jsonField?: string;
}

/** Reads a dotted path (`a.b.c`) from a parsed JSON object. */
export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A time value as ISO-8601, or undefined when unreadable. Numbers are epoch milliseconds. */
export function toIsoTime(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The record's @timestamp: from the rule when it matches, else `readAtIso` (the read time). */
export function extractTimestamp(
  text: string,
  parsedJson: unknown,
  rule: TimestampRule | undefined,
  readAtIso: string,
): string {
  if (rule?.jsonField && parsedJson !== undefined) {
    const found = toIsoTime(readPath(parsedJson, rule.jsonField));
    if (found) return found;
  }
  if (rule?.pattern) {
    const found = toIsoTime(rule.pattern.exec(text)?.[1]);
    if (found) return found;
  }
  return readAtIso;
}

/** Parses a JSON object line, or undefined when the line is not a JSON object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
