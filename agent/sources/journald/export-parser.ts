/**
 * A streaming parser of the journal export format (`journalctl --output=export`,
 * https://systemd.io/JOURNAL_EXPORT_FORMATS/): an entry is a run of fields ended by an empty
 * line; a field is `NAME=value\n`, or, when the value may hold a newline or binary data,
 * `NAME\n` + a 64-bit little-endian length + the bytes + `\n`. Export output is binary-safe and
 * never hides a long field (JSON output prints fields over 4096 bytes as null unless `--all`),
 * so the parser can cap every field itself: a value keeps at most `maxFieldBytes`, an entry at
 * most `maxEntryBytes`, and whatever is past the cap is skipped without being held in memory.
 */

/** One parsed journal entry: field name → value (a list when the field repeats). */
export interface JournalEntry {
  fields: Map<string, string | string[]>;
  /** Bytes the entry took in the export stream (for byte-bounded buffering). */
  bytes: number;
  /** Names of the fields cut at a cap. */
  truncated: string[];
}

/** Caps that bound the parser's memory. */
export interface ExportParserLimits {
  /** Most bytes kept of one field value. */
  maxFieldBytes: number;
  /** Most bytes kept of one entry (fields past it are dropped and listed as truncated). */
  maxEntryBytes: number;
}

const newline = 0x0a;
const equals = 0x3d;
const decoder = new TextDecoder('utf-8', { fatal: false });

type State =
  | { kind: 'line' }
  | { kind: 'skip-line' }
  | { kind: 'binary-length'; name: string }
  | { kind: 'binary-data'; name: string; left: number; kept: Buffer[]; keptBytes: number; cut: boolean }
  | { kind: 'binary-end' };

/** Turns export-format bytes, pushed in chunks of any size, into entries. */
export class ExportParser {
  readonly #limits: ExportParserLimits;
  #pending: Buffer = Buffer.alloc(0);
  #state: State = { kind: 'line' };
  #fields = new Map<string, string | string[]>();
  #truncated: string[] = [];
  #entryBytes = 0;
  #keptBytes = 0;
  /** A text line longer than the field cap: its head, while the rest is skipped. */
  #longLine: Buffer | undefined;

  constructor(limits: ExportParserLimits) {
    this.#limits = limits;
  }

  /** True while a partial entry is held (the stream stopped mid-entry). */
  get midEntry(): boolean {
    return this.#fields.size > 0 || this.#pending.length > 0 || this.#state.kind !== 'line';
  }

  /** Parses the next chunk; returns the entries it completed. */
  push(chunk: Buffer): JournalEntry[] {
    const out: JournalEntry[] = [];
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let at = 0;
    this.#entryBytes += chunk.length;
    while (at < buf.length) {
      const state = this.#state;
      if (state.kind === 'line' || state.kind === 'skip-line') {
        const end = buf.indexOf(newline, at);
        if (end === -1) {
          // No newline yet: keep at most the cap (a text value past it is cut, never buffered).
          const rest = buf.subarray(at);
          if (state.kind === 'line' && rest.length > this.#limits.maxFieldBytes + 256) {
            this.#longLine = Buffer.from(rest.subarray(0, this.#limits.maxFieldBytes + 256));
            this.#state = { kind: 'skip-line' };
            at = buf.length;
            continue;
          }
          if (state.kind === 'skip-line') at = buf.length;
          break;
        }
        if (state.kind === 'skip-line') {
          this.#textField(this.#longLine!, true);
          this.#longLine = undefined;
          this.#state = { kind: 'line' };
          at = end + 1;
          continue;
        }
        if (end === at) {
          out.push(this.#finishEntry(buf.length - end - 1));
          at = end + 1;
          continue;
        }
        const eq = buf.indexOf(equals, at);
        if (eq === -1 || eq > end)
          this.#state = { kind: 'binary-length', name: buf.toString('latin1', at, end) };
        else this.#textFieldAt(buf, at, eq, end);
        at = end + 1;
        continue;
      }
      if (state.kind === 'binary-length') {
        if (buf.length - at < 8) break;
        const length = Number(buf.readBigUInt64LE(at));
        at += 8;
        this.#state = {
          kind: 'binary-data',
          name: state.name,
          left: length,
          kept: [],
          keptBytes: 0,
          cut: false,
        };
        continue;
      }
      if (state.kind === 'binary-data') {
        const take = Math.min(state.left, buf.length - at);
        const room = Math.min(this.#limits.maxFieldBytes, this.#roomInEntry()) - state.keptBytes;
        if (room > 0) {
          const kept = buf.subarray(at, at + Math.min(take, room));
          state.kept.push(Buffer.from(kept));
          state.keptBytes += kept.length;
        }
        if (take > room) state.cut = true;
        state.left -= take;
        at += take;
        if (state.left > 0) continue;
        this.#addField(state.name, decoder.decode(Buffer.concat(state.kept)), state.cut, state.keptBytes);
        this.#state = { kind: 'binary-end' };
        continue;
      }
      // binary-end: the newline after the data.
      at += 1;
      this.#state = { kind: 'line' };
    }
    this.#pending = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0);
    buf = Buffer.alloc(0);
    return out;
  }

  /** Drops a partial entry (the reader stopped mid-stream); the next push starts afresh. */
  reset(): void {
    this.#pending = Buffer.alloc(0);
    this.#state = { kind: 'line' };
    this.#fields = new Map();
    this.#truncated = [];
    this.#entryBytes = 0;
    this.#keptBytes = 0;
    this.#longLine = undefined;
  }

  #roomInEntry(): number {
    return Math.max(0, this.#limits.maxEntryBytes - this.#keptBytes);
  }

  /** A `NAME=value` line at buf[start, end) with its `=` at `eq`, decoded straight from the chunk. */
  #textFieldAt(buf: Buffer, start: number, eq: number, end: number): void {
    const name = buf.toString('latin1', start, eq);
    const room = Math.min(this.#limits.maxFieldBytes, this.#roomInEntry());
    const keep = Math.min(end - eq - 1, room);
    this.#addField(name, buf.toString('utf8', eq + 1, eq + 1 + keep), keep < end - eq - 1, keep);
  }

  #textField(line: Buffer, cut: boolean): void {
    const eq = line.indexOf(equals);
    if (eq === -1) return;
    const name = line.toString('latin1', 0, eq);
    const room = Math.min(this.#limits.maxFieldBytes, this.#roomInEntry());
    const value = line.subarray(eq + 1);
    const keep = Math.min(value.length, room);
    this.#addField(name, decoder.decode(value.subarray(0, keep)), cut || keep < value.length, keep);
  }

  #addField(name: string, value: string, cut: boolean, keptBytes: number): void {
    if (cut) this.#truncated.push(name);
    if (keptBytes === 0 && cut) return;
    this.#keptBytes += keptBytes + name.length;
    const known = this.#fields.get(name);
    if (known === undefined) this.#fields.set(name, value);
    else if (Array.isArray(known)) known.push(value);
    else this.#fields.set(name, [known, value]);
  }

  #finishEntry(unreadBytes: number): JournalEntry {
    const entry: JournalEntry = {
      fields: this.#fields,
      bytes: this.#entryBytes - unreadBytes,
      truncated: this.#truncated,
    };
    this.#fields = new Map();
    this.#truncated = [];
    this.#entryBytes = unreadBytes;
    this.#keptBytes = 0;
    return entry;
  }
}
