/**
 * Multiline grouping by a start pattern (like Filebeat's `multiline.type: pattern` with
 * `negate: true, match: after`): a line matching the pattern starts a new record, any other
 * line joins the open one. A group is closed by the next start line, by `maxLines`, by
 * `timeoutMs` without a new line (so the last stack trace of a quiet file is not held back),
 * or by flush on shutdown. Pure: the caller passes the clock.
 */

/** A decoded line with its position. */
export interface LogLine {
  offset: number;
  end: number;
  text: string;
  truncated: boolean;
  invalidUtf8: boolean;
  originalBytes: number;
}

/** One log record: a single line, or a group of lines. */
export interface LogRecord extends LogLine {
  lines: number;
}

/** How lines are grouped; absent means every line is its own record. */
export interface MultilineOptions {
  startPattern: RegExp;
  maxLines: number;
  timeoutMs: number;
  /** Most characters kept in one record; the rest is cut and the record flagged. */
  maxChars: number;
}

/** Groups lines into records. */
export class MultilineGrouper {
  readonly #options: MultilineOptions | undefined;
  #open: LogRecord | undefined;
  #lastLineAtMs = 0;

  constructor(options: MultilineOptions | undefined) {
    this.#options = options;
  }

  /** True while a group is open (its bytes are read but not yet emitted). */
  get hasOpenGroup(): boolean {
    return this.#open !== undefined;
  }

  /** Adds a line; returns the records it closed. */
  push(line: LogLine, nowMs: number): LogRecord[] {
    const options = this.#options;
    if (!options) return [{ ...line, lines: 1 }];
    const closed: LogRecord[] = [];
    this.#lastLineAtMs = nowMs;
    const open = this.#open;
    if (!open || options.startPattern.test(line.text) || open.lines >= options.maxLines) {
      if (open) closed.push(open);
      this.#open = { ...line, lines: 1 };
      return closed;
    }
    const room = options.maxChars - open.text.length - 1;
    if (room < line.text.length) {
      open.truncated = true;
      if (room > 0) open.text += `\n${line.text.slice(0, room)}`;
    } else {
      open.text += `\n${line.text}`;
    }
    open.end = line.end;
    open.lines += 1;
    open.truncated ||= line.truncated;
    open.invalidUtf8 ||= line.invalidUtf8;
    open.originalBytes += line.originalBytes + 1;
    return closed;
  }

  /** Closes the open group when it saw no line for `timeoutMs`. */
  flushIdle(nowMs: number): LogRecord[] {
    if (!this.#open || !this.#options) return [];
    if (nowMs - this.#lastLineAtMs < this.#options.timeoutMs) return [];
    return this.flush();
  }

  /** Closes the open group now (shutdown, rotation). */
  flush(): LogRecord[] {
    const open = this.#open;
    this.#open = undefined;
    return open ? [open] : [];
  }
}
