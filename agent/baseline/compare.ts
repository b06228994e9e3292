/**
 * Compares the small sections of a baseline (packages, units, users, groups, authorized_keys)
 * with the running system's: every difference, one per attribute, with before and after. Pure,
 * so each kind of drift has a table-driven test. Files are compared by the merge walk (merge.ts).
 */
import type { Allowlist } from './allowlist.ts';
import type { Difference, DriftCategory, SystemState } from './types.ts';

/** All differences, sorted by category, path and attribute; allowlisted ones left out. */
export function compareState(
  baseline: SystemState,
  current: SystemState,
  allowlist: Allowlist,
): Difference[] {
  const out: Difference[] = [
    ...compareRecords(
      'package',
      baseline.packages,
      current.packages,
      (p) => p.version,
      (a, b) => attributeChanges({ version: a.version }, { version: b.version }),
    ),
    ...compareRecords(
      'unit',
      baseline.units,
      current.units,
      (target) => target,
      (a, b) => attributeChanges({ target: a }, { target: b }),
    ),
    ...compareRecords(
      'user',
      baseline.users,
      current.users,
      (u) => `uid=${u.uid}`,
      (a, b) => attributeChanges(a, b),
    ),
    ...compareRecords(
      'group',
      baseline.groups,
      current.groups,
      (g) => `gid=${g.gid}`,
      (a, b) =>
        attributeChanges(
          { gid: a.gid, members: a.members.join(',') },
          { gid: b.gid, members: b.members.join(',') },
        ),
    ),
    ...compareRecords(
      'authorized_keys',
      baseline.authorizedKeys,
      current.authorizedKeys,
      (k) => k.keys.join('\n'),
      (a, b) =>
        a.keys.join('\n') !== b.keys.join('\n')
          ? [{ attribute: 'keys', before: a.keys.join('\n'), after: b.keys.join('\n') }]
          : attributeChanges({ sha256: a.sha256 }, { sha256: b.sha256 }),
    ),
  ];
  return out.filter((d) => !allowlist.allows(d.category, subjectName(d)));
}

/** The name the allowlist sees: packages by name only (`package:openssl`), the rest by path. */
export function subjectName(d: Difference): string {
  return d.category === 'package' ? d.path.replace(/:[^:]*$/, '') : d.path;
}

/** One change per attribute whose value differs (absent values read as ''). */
export function attributeChanges(
  before: object,
  after: object,
): Array<{ attribute: string; before: string; after: string }> {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .filter((k) => String(a[k] ?? '') !== String(b[k] ?? ''))
    .map((k) => ({ attribute: k, before: String(a[k] ?? ''), after: String(b[k] ?? '') }));
}

function compareRecords<T>(
  category: DriftCategory,
  before: Record<string, T>,
  after: Record<string, T>,
  describe: (value: T) => string,
  changes: (a: T, b: T) => Array<Omit<Difference, 'change' | 'category' | 'path'>>,
): Difference[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: Difference[] = [];
  for (const key of keys) {
    const a = Object.hasOwn(before, key) ? before[key] : undefined;
    const b = Object.hasOwn(after, key) ? after[key] : undefined;
    if (a === undefined && b !== undefined)
      out.push({ change: 'added', category, path: key, after: describe(b) });
    else if (a !== undefined && b === undefined)
      out.push({ change: 'removed', category, path: key, before: describe(a) });
    else if (a !== undefined && b !== undefined)
      for (const c of changes(a, b)) out.push({ change: 'changed', category, path: key, ...c });
  }
  return out;
}
