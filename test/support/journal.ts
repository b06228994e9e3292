/**
 * Real journal files for tests, made by `systemd-journal-remote` (Debian package
 * `systemd-journal-remote`) from export-format input
 * (https://systemd.io/JOURNAL_EXPORT_FORMATS/), and read back by `journalctl --directory`:
 * no journald daemon is needed. Appending to the same file extends the same journal (same
 * seqnum id), as journald does while a machine runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where systemd-journal-remote lives on Debian. */
export const journalRemote = [
  '/lib/systemd/systemd-journal-remote',
  '/usr/lib/systemd/systemd-journal-remote',
].find((p) => existsSync(p));

/** One entry to write: fields as given (the journal adds nothing, remote keeps them). */
export type ExportEntry = Record<string, string | number>;

/** Encodes entries in the export format (binary form for values holding a newline). */
export function encodeExport(entries: Iterable<ExportEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    for (const [name, raw] of Object.entries(entry)) {
      const value = String(raw);
      if (!value.includes('\n')) {
        parts.push(Buffer.from(`${name}=${value}\n`));
        continue;
      }
      const data = Buffer.from(value);
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(data.length));
      parts.push(Buffer.from(`${name}\n`), length, data, Buffer.from('\n'));
    }
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** Appends entries to `dir/system.journal` (created on first use). Resolves when written. */
export async function writeJournal(dir: string, entries: Iterable<ExportEntry>): Promise<void> {
  if (!journalRemote)
    throw new Error('systemd-journal-remote is missing: apt-get install systemd-journal-remote');
  const child = spawn(journalRemote, [`--output=${join(dir, 'system.journal')}`, '--compress=no', '-'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  child.stdin.end(encodeExport(entries));
  const code = await done;
  if (code !== 0) throw new Error(`systemd-journal-remote exited ${code}: ${stderr}`);
}

/** A 32-hex-digit journal id made from a label (boot ids, machine ids). */
export function journalId(label: string): string {
  return Buffer.from(label.padEnd(16, '.').slice(0, 16)).toString('hex');
}

/** A plain entry of one boot: a unit's line at `atUs` (µs since the epoch). */
export function entry(
  boot: string,
  atUs: number,
  message: string,
  extra: Record<string, string | number> = {},
): ExportEntry {
  return {
    __REALTIME_TIMESTAMP: atUs,
    __MONOTONIC_TIMESTAMP: 1_000_000 + (atUs % 1_000_000_000),
    _BOOT_ID: journalId(boot),
    _MACHINE_ID: journalId('machine'),
    _HOSTNAME: 'web-1',
    MESSAGE: message,
    PRIORITY: 6,
    SYSLOG_FACILITY: 3,
    _TRANSPORT: 'stdout',
    _SYSTEMD_UNIT: 'app.service',
    SYSLOG_IDENTIFIER: 'app',
    _PID: 4242,
    _COMM: 'app',
    _CMDLINE: '/usr/bin/app --serve',
    ...extra,
  };
}
