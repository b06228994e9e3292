/**
 * A small notation for the shapes Kibana accepts, and a checker for it. It restates the parts of
 * @kbn/config-schema that Kibana's saved-object schemas use (object with unknown keys refused or
 * ignored, required and optional keys, literals, arrays, records) plus what the facts need on top:
 * a string that must hold JSON of a shape (panelsJSON, searchSourceJSON…). Unknown keys are always
 * reported: under `forbid` Kibana refuses the object, under `ignore` it drops the key, so either
 * way the key does nothing kiln meant.
 */

/** A shape a value must have. */
export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'any' }
  | { kind: 'oneOf'; values: readonly (string | number | boolean | null)[] }
  | { kind: 'array'; of: Shape; minSize?: number; maxSize?: number }
  | { kind: 'record'; of: Shape }
  | { kind: 'object'; keys: Readonly<Record<string, Field>>; unknowns: 'forbid' | 'ignore' }
  | { kind: 'json'; of: Shape }
  | { kind: 'union'; of: readonly Shape[] };

/** A key of an object shape. */
export interface Field {
  shape: Shape;
  required: boolean;
}

/** Any string. */
export const str: Shape = { kind: 'string' };
/** Any number. */
export const num: Shape = { kind: 'number' };
/** true or false. */
export const bool: Shape = { kind: 'boolean' };
/** Anything (Kibana does not look inside). */
export const any: Shape = { kind: 'any' };
/** One of these literal values. */
export const oneOf = (...values: (string | number | boolean | null)[]): Shape => ({ kind: 'oneOf', values });
/** An array of `of`. */
export const arr = (of: Shape, size: { minSize?: number; maxSize?: number } = {}): Shape => ({
  kind: 'array',
  of,
  ...size,
});
/** An object whose every value is `of`. */
export const record = (of: Shape): Shape => ({ kind: 'record', of });
/** A string holding JSON of `of`. */
export const json = (of: Shape): Shape => ({ kind: 'json', of });
/** Any of these shapes. */
export const union = (...of: Shape[]): Shape => ({ kind: 'union', of });
/** A required key. */
export const req = (shape: Shape): Field => ({ shape, required: true });
/** An optional key (config-schema's `schema.maybe`, or a key with a default). */
export const opt = (shape: Shape): Field => ({ shape, required: false });

/** An object; a plain shape given for a key means an optional key. */
export function obj(keys: Record<string, Field | Shape>, unknowns: 'forbid' | 'ignore' = 'forbid'): Shape {
  const fields: Record<string, Field> = {};
  for (const [key, value] of Object.entries(keys)) fields[key] = 'kind' in value ? opt(value) : value;
  return { kind: 'object', keys: fields, unknowns };
}

/** The same object shape with more keys (config-schema's `extends`), unknown-key rule replaced when given. */
export function extend(
  base: Shape,
  keys: Record<string, Field | Shape>,
  unknowns?: 'forbid' | 'ignore',
): Shape {
  if (base.kind !== 'object') throw new Error('extend() takes an object shape');
  const added = obj(keys) as Extract<Shape, { kind: 'object' }>;
  return { kind: 'object', keys: { ...base.keys, ...added.keys }, unknowns: unknowns ?? base.unknowns };
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** What is wrong with `value` for `shape`, one line per problem, each starting with its path. */
export function check(value: unknown, shape: Shape, path = '$'): string[] {
  switch (shape.kind) {
    case 'any':
      return [];
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value === shape.kind ? [] : [`${path}: expected ${shape.kind}, got ${describe(value)}`];
    case 'oneOf':
      return shape.values.includes(value as never)
        ? []
        : [
            `${path}: ${JSON.stringify(value)} is not one of ${shape.values.map((v) => JSON.stringify(v)).join(', ')}`,
          ];
    case 'json': {
      if (typeof value !== 'string') return [`${path}: expected a JSON string, got ${describe(value)}`];
      try {
        return check(JSON.parse(value), shape.of, `${path}<json>`);
      } catch {
        return [`${path}: not valid JSON`];
      }
    }
    case 'union': {
      const attempts = shape.of.map((s) => check(value, s, path));
      return attempts.some((a) => a.length === 0)
        ? []
        : (attempts.sort((a, b) => a.length - b.length)[0] ?? []);
    }
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: expected array, got ${describe(value)}`];
      const size: string[] = [];
      if (shape.minSize !== undefined && value.length < shape.minSize)
        size.push(`${path}: fewer than ${shape.minSize} items`);
      if (shape.maxSize !== undefined && value.length > shape.maxSize)
        size.push(`${path}: more than ${shape.maxSize} items`);
      return [...size, ...value.flatMap((item, i) => check(item, shape.of, `${path}[${i}]`))];
    }
    case 'record': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return [`${path}: expected object, got ${describe(value)}`];
      }
      return Object.entries(value).flatMap(([k, v]) => check(v, shape.of, `${path}.${k}`));
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return [`${path}: expected object, got ${describe(value)}`];
      }
      const problems: string[] = [];
      const entries = value as Record<string, unknown>;
      for (const [key, field] of Object.entries(shape.keys)) {
        if (entries[key] === undefined) {
          if (field.required) problems.push(`${path}.${key}: required`);
        } else problems.push(...check(entries[key], field.shape, `${path}.${key}`));
      }
      for (const key of Object.keys(entries)) {
        if (!(key in shape.keys)) {
          problems.push(
            `${path}.${key}: unknown key (${shape.unknowns === 'forbid' ? 'the object is refused' : 'Kibana drops it'})`,
          );
        }
      }
      return problems;
    }
  }
}

/** The keys an object shape names. */
export function keysOf(shape: Shape): string[] {
  return shape.kind === 'object' ? Object.keys(shape.keys) : [];
}
