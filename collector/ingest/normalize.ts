/**
 * Puts a decoded event in one canonical shape before anything reads it (pure): dotted keys are
 * expanded into objects (`{"cloud.instance.id": x}` becomes `{cloud: {instance: {id: x}}}`, as
 * Elasticsearch itself would read it), so stamping sees and overwrites every collector-owned
 * field however it was spelt. Inside `flattened` fields (application JSON) keys stay as sent:
 * Elasticsearch treats `a.b` and `{a: {b}}` alike there, and an application may use both.
 */

/** Paths whose values are `flattened` fields: not expanded. */
export const flattenedPaths: ReadonlySet<string> = new Set([
  'kiln.log.json',
  'kiln.drift.detail',
  'journald.custom',
]);

/** The result of normalising one event. */
export type Normalized = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

/** Expands the dotted keys of an event. Nesting depth was bounded by the decoder. */
export function expandDottedKeys(event: Record<string, unknown>): Normalized {
  // Nearly every event spells its fields as objects: one walk that allocates nothing finds that
  // out, and the event is used as it is (the full expansion copies every object on the way).
  if (!needsExpansion(event)) return { ok: true, value: event };
  try {
    return { ok: true, value: expandObject(event, '') };
  } catch (error) {
    if (error instanceof KeyConflict) return { ok: false, reason: error.message };
    throw error;
  }
}

class KeyConflict extends Error {}

/**
 * Whether any key anywhere is dotted or empty (inside flattened fields too: such an event takes
 * the full expansion, which keeps those keys as sent).
 */
function needsExpansion(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (needsExpansion(item)) return true;
    return false;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    if (key === '' || key.includes('.')) return true;
    if (needsExpansion(value[key])) return true;
  }
  return false;
}

function expandObject(source: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(source)) {
    const parts = key.split('.');
    if (parts.some((p) => p === '')) throw new KeyConflict(`the field name "${key}" has an empty part`);
    const fullPath = path ? `${path}.${key}` : key;
    const value = flattenedPaths.has(fullPath) ? raw : expandValue(raw, fullPath);
    insert(out, parts, value, fullPath);
  }
  return out;
}

function expandValue(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v) => expandValue(v, path));
  if (isPlainObject(value)) return expandObject(value, path);
  return value;
}

function insert(target: Record<string, unknown>, parts: string[], value: unknown, fullPath: string): void {
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const next = node[part];
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      throw new KeyConflict(`"${fullPath}" conflicts with the value at "${parts.slice(0, i + 1).join('.')}"`);
    }
  }
  const last = parts.at(-1)!;
  const existing = node[last];
  if (existing === undefined) node[last] = value;
  else if (isPlainObject(existing) && isPlainObject(value))
    node[last] = mergeObjects(existing, value, fullPath);
  else throw new KeyConflict(`"${fullPath}" is given twice`);
}

function mergeObjects(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) insert(out, [key], value, `${path}.${key}`);
  return out;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The nesting depth of a JSON value, counting at most to `limit + 1` (cheap on hostile input). */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: node, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > limit) return true;
    const members = Array.isArray(node) ? node : Object.values(node);
    for (const member of members)
      if (typeof member === 'object' && member !== null) stack.push({ value: member, depth: depth + 1 });
  }
  return false;
}
