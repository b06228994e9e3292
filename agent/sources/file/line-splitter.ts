/**
 * Splits a byte stream into lines, tracking the byte offset of every line so checkpoints and
 * event ids can point at exact positions. A line longer than `maxLineBytes` keeps its first
 * `maxLineBytes` bytes and is flagged; the rest is skipped up to the newline, so a huge line
 * never stalls the file and memory stays bounded by `maxLineBytes`.
 */

/** One complete line as found in the file. */
export interface RawLine {
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past the newline: where reading resumes after this line. */
  end: number;
  /** The kept bytes, without the newline (at most maxLineBytes). */
  bytes: Buffer;
  /** True when bytes were cut off. */
  truncated: boolean;
  /** The line's real length without the newline. */
  originalBytes: number;
}

const newline = 0x0a;

/** Incremental line splitter over a byte stream that starts at `startOffset`. */
export class LineSplitter {
  readonly #maxLineBytes: number;
  #parts: Buffer[] = [];
  #kept = 0;
  #seen = 0;
  #lineStart: number;

  constructor(maxLineBytes: number, startOffset: number) {
    this.#maxLineBytes = maxLineBytes;
    this.#lineStart = startOffset;
  }

  /** Offset of the first byte not yet part of a returned line (the incomplete line's start). */
  get pendingOffset(): number {
    return this.#lineStart;
  }

  /** Bytes of the incomplete line seen so far. */
  get pendingBytes(): number {
    return this.#seen;
  }

  /**
   * Feeds the next chunk; returns the completed lines, in order. The lines' bytes may point into
   * `chunk` (use them before reusing it); the incomplete rest is copied, so the caller may reuse
   * `chunk` for the next read.
   */
  push(chunk: Buffer): RawLine[] {
    const lines: RawLine[] = [];
    let from = 0;
    while (from < chunk.length) {
      const at = chunk.indexOf(newline, from);
      const stop = at === -1 ? chunk.length : at;
      this.#keep(chunk.subarray(from, stop));
      if (at === -1) break;
      lines.push(this.#complete());
      from = at + 1;
    }
    // Only the incomplete line outlives this call: at most maxLineBytes, copied once.
    if (this.#parts.length > 0 && this.#parts.at(-1)!.buffer === chunk.buffer) {
      this.#parts = [Buffer.concat(this.#parts, this.#kept)];
    }
    return lines;
  }

  #keep(segment: Buffer): void {
    this.#seen += segment.length;
    const room = this.#maxLineBytes - this.#kept;
    if (room <= 0 || segment.length === 0) return;
    const part = segment.length > room ? segment.subarray(0, room) : segment;
    this.#parts.push(part);
    this.#kept += part.length;
  }

  #complete(): RawLine {
    let bytes = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#kept);
    const truncated = this.#seen > this.#kept;
    // CRLF files: the carriage return belongs to the line ending, not the message.
    if (!truncated && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    const line: RawLine = {
      offset: this.#lineStart,
      end: this.#lineStart + this.#seen + 1,
      bytes,
      truncated,
      originalBytes: this.#seen,
    };
    this.#lineStart = line.end;
    this.#parts = [];
    this.#kept = 0;
    this.#seen = 0;
    return line;
  }
}
