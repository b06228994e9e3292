/**
 * The journal cursor (`__CURSOR`, https://www.freedesktop.org/software/systemd/man/latest/sd_journal_get_cursor.html):
 * `s=<seqnum id>;i=<seqnum>;b=<boot id>;m=<monotonic>;t=<realtime>;x=<xor hash>`. It names one
 * entry for good, so it is both the source's checkpoint (`journalctl --after-cursor`) and, with
 * the seqnum id and seqnum, the source of deterministic event ids.
 */

/** What a cursor says about its entry. */
export interface CursorParts {
  seqnumId: string;
  seqnum: number;
  bootId: string;
  monotonicUs: number;
  realtimeUs: number;
}

/** Parses a cursor; undefined when it lacks the seqnum id or seqnum. */
export function parseCursor(cursor: string): CursorParts | undefined {
  const parts = new Map<string, string>();
  for (const item of cursor.split(';')) {
    const eq = item.indexOf('=');
    if (eq > 0) parts.set(item.slice(0, eq), item.slice(eq + 1));
  }
  const seqnumId = parts.get('s');
  const seqnum = Number.parseInt(parts.get('i') ?? '', 16);
  if (!seqnumId || !Number.isFinite(seqnum)) return undefined;
  return {
    seqnumId,
    seqnum,
    bootId: parts.get('b') ?? '',
    monotonicUs: Number.parseInt(parts.get('m') ?? '0', 16) || 0,
    realtimeUs: Number.parseInt(parts.get('t') ?? '0', 16) || 0,
  };
}

/**
 * A 128-bit journal id (`_BOOT_ID`, `_MACHINE_ID`: 32 hex digits) in the dashed UUID form the
 * kernel gives in /proc/sys/kernel/random/boot_id, so journal events and boot facts carry the
 * same `host.boot.id`.
 */
export function dashedId(id: string): string {
  const hex = id.toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return id;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
