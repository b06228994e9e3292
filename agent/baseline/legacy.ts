/**
 * Baselines of format `kiln-baseline/1` (kiln 0.1.0: one JSON document, files keyed by path, no
 * inode) are still in images baked before format 2. They are converted on read: digest verified
 * as then, entries sorted in walk order; the inode and the kernel-module categories, which that
 * format did not record, are not compared.
 */
import { KilnError } from '../../lib/errors.ts';
import { digestOf } from './digest.ts';
import { comparePaths } from './entry-line.ts';
import { type BaselineHeader, type BaselineInfo, baselineFormat, type FileEntry } from './types.ts';

interface LegacyBaseline {
  format: string;
  digest?: string;
  capturedAt?: string;
  roots?: string[];
  allowlist?: string[];
  files?: Record<string, Omit<FileEntry, 'path'>>;
  packages?: BaselineHeader['packages'];
  units?: BaselineHeader['units'];
  users?: BaselineHeader['users'];
  groups?: BaselineHeader['groups'];
  authorizedKeys?: BaselineHeader['authorizedKeys'];
}

/** Verifies a format-1 baseline's digest and converts it. */
export function convertLegacyBaseline(
  file: string,
  raw: object,
): { info: BaselineInfo; entries: FileEntry[] } {
  const doc = raw as LegacyBaseline;
  const { digest: recorded, capturedAt, ...body } = doc;
  const digest = digestOf(body);
  if (digest !== recorded) {
    throw new KilnError(
      'KILN_ERR_BASELINE',
      `the baseline ${file} does not match its digest (recorded ${recorded}, computed ${digest}): it was changed after capture; rebake the image`,
    );
  }
  const entries = Object.entries(doc.files ?? {})
    .map(([p, e]) => ({ ...e, path: p }))
    .sort((a, b) => comparePaths(a.path, b.path));
  const header: BaselineHeader = {
    format: baselineFormat,
    roots: doc.roots ?? [],
    allowlist: doc.allowlist ?? [],
    packages: doc.packages ?? {},
    units: doc.units ?? {},
    users: doc.users ?? {},
    groups: doc.groups ?? {},
    authorizedKeys: doc.authorizedKeys ?? {},
    modules: [],
  };
  return {
    info: { file, header, digest, capturedAt: capturedAt ?? '', entries: entries.length, legacy: true },
    entries,
  };
}
