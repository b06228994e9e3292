/**
 * Keeps each event under the collector's per-event cap (`maxEventBytes`, 1 MiB by default on
 * both sides), so the collector never has to dead-letter one of kiln's own events for size: the
 * message is cut (at a character boundary) and marked `kiln.log.truncated` with the size it had.
 * Pure: an event and its serialized line in, the line to send out.
 */
import type { WireEvent } from '../../lib/wire.ts';

/** Room kept for the truncation marks themselves. */
const markBytes = 128;

/** The line to ship for `event` (already serialized as `line`), at most `maxBytes` when it can be. */
export function fitEventLine(event: WireEvent, line: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(line);
  if (bytes <= maxBytes || typeof event.message !== 'string') return line;
  const message = Buffer.from(event.message);
  // Escaping can make a byte's JSON form up to 6 bytes long, so keep the share of the message
  // that fits by its JSON size, then correct by what the attempt measured.
  const jsonMessageBytes = Buffer.byteLength(JSON.stringify(event.message));
  const room = maxBytes - (bytes - jsonMessageBytes) - markBytes;
  let keep = Math.max(0, Math.floor((message.length * room) / jsonMessageBytes));
  for (let attempt = 0; attempt < 4; attempt++) {
    const kiln = event.kiln as Record<string, unknown>;
    const log =
      typeof kiln.log === 'object' && kiln.log !== null ? (kiln.log as Record<string, unknown>) : {};
    const fitted: WireEvent = {
      ...event,
      message: message
        .subarray(0, keep)
        .toString('utf8')
        .replace(/\uFFFD$/, ''),
      kiln: {
        ...event.kiln,
        log: {
          ...log,
          truncated: true,
          original_bytes: (log.original_bytes as number | undefined) ?? message.length,
        },
      },
    };
    const out = JSON.stringify(fitted);
    const size = Buffer.byteLength(out);
    if (size <= maxBytes) return out;
    keep = Math.max(0, Math.floor(keep * (maxBytes / size)) - markBytes);
  }
  return line;
}
