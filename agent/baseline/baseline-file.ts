/**
 * The baseline file, format `kiln-baseline/2`: a header line (canonical JSON of the small
 * sections), one line per file-system entry in walk order (entry-line.ts), and a trailer line
 * `#end {"entries":N,"digest":"sha256:…","capturedAt":"…"}`. The digest covers every byte before
 * the trailer, so the same content always has the same digest. Written and read as a stream:
 * memory does not grow with the tree. A `.gz` file name writes it gzip'ed; reading detects gzip.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../lib/errors.ts';
import { kilnVersion } from '../../lib/version.ts';
import { canonicalJson } from './digest.ts';
import { decodeEntry, encodeEntry, unescapePath } from './entry-line.ts';
import { convertLegacyBaseline } from './legacy.ts';
import { isGzip, LineWriter, readLineBatches, readLines } from './line-stream.ts';
import type { EntryStream } from './merge.ts';
import {
  type BaselineHeader,
  type BaselineInfo,
  baselineFormat,
  type FileEntry,
  legacyBaselineFormat,
} from './types.ts';

const trailerPrefix = '#end ';

/** Writes a baseline: the header now, entries as they come (in walk order), the trailer at the end. */
export class BaselineWriter {
  readonly file: string;
  readonly #tmp: string;
  readonly #out: LineWriter;
  readonly #hash = createHash('sha256');
  #entries = 0;

  private constructor(file: string, tmp: string, out: LineWriter) {
    this.file = file;
    this.#tmp = tmp;
    this.#out = out;
  }

  /** Starts writing `file` (atomically: a temp file renamed by finish()). */
  static async create(file: string, header: BaselineHeader): Promise<BaselineWriter> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    const writer = new BaselineWriter(file, tmp, new LineWriter(tmp, { gzip: file.endsWith('.gz') }));
    await writer.#line(canonicalJson(header));
    return writer;
  }

  #line(text: string): void | Promise<void> {
    this.#hash.update(`${text}\n`);
    return this.#out.write(text);
  }

  /** Appends one entry; a promise, to wait for, only when the file must take the lines first. */
  add(entry: FileEntry): void | Promise<void> {
    this.#entries++;
    return this.#line(encodeEntry(entry));
  }

  /** Writes the trailer, closes and renames; returns the digest and the entry count. */
  async finish(capturedAt: string): Promise<{ digest: string; entries: number }> {
    const digest = `sha256:${this.#hash.digest('hex')}`;
    await this.#out.write(
      `${trailerPrefix}${JSON.stringify({ entries: this.#entries, digest, capturedAt })}`,
    );
    await this.#out.close();
    await rename(this.#tmp, this.file);
    return { digest, entries: this.#entries };
  }

  /** Removes the temp file after a failure. */
  async abort(): Promise<void> {
    this.#out.destroy();
    await rm(this.#tmp, { force: true });
  }
}

/** Entries of format-1 baselines, converted on read (those files were small and JSON anyway). */
const legacyEntries = new WeakMap<BaselineInfo, FileEntry[]>();

function baselineError(file: string, what: string, cause?: unknown): KilnError {
  return new KilnError('KILN_ERR_BASELINE', `${file}: ${what}`, cause ? { cause } : undefined);
}

/** The last line's fields. */
type Trailer = { entries?: number; digest?: string; capturedAt?: string };

const noTrailer = (file: string) =>
  baselineError(file, 'the baseline has no trailer (cut short while written?); capture it again');

const digestMismatch = (file: string, recorded: string | undefined, computed: string) =>
  new KilnError(
    'KILN_ERR_BASELINE',
    `the baseline ${file} does not match its digest (recorded ${recorded}, computed ${computed}): it was changed after capture; rebake the image`,
  );

/** How openBaseline verifies the digest. */
export interface OpenOptions {
  /**
   * `now` (default): a streamed pass over the whole file before returning. `while-reading`: for an
   * uncompressed file, only the header and the trailer (the file's last line) are read now, and
   * the first baselineEntries() pass verifies the digest and the entry count as it goes, throwing
   * at its end, so a check does one pass over the baseline instead of two; its caller must not act
   * on what it found before that pass ended. A gzip'ed file is always verified now.
   */
  verify?: 'now' | 'while-reading';
}

/** Baselines opened with `while-reading` whose digest no pass has verified yet. */
const unverified = new WeakSet<BaselineInfo>();

/** Reads a baseline's header and trailer and verifies its digest (see OpenOptions). */
export async function openBaseline(file: string, options: OpenOptions = {}): Promise<BaselineInfo> {
  let lines: AsyncGenerator<string>;
  let first: IteratorResult<string>;
  try {
    lines = readLines(file);
    first = await lines.next();
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new KilnError(
      'KILN_ERR_BASELINE',
      `cannot read the baseline ${file} (${why}); capture one with: kiln-agent baseline capture --out ${file}`,
      { cause: error },
    );
  }
  const head = first.done ? '' : first.value;
  let header: BaselineHeader | undefined;
  try {
    header = head.startsWith('{"') ? (JSON.parse(head) as BaselineHeader) : undefined;
  } catch {
    header = undefined;
  }
  if (header?.format !== baselineFormat) {
    await lines.return(undefined);
    return openOtherFormat(file, header?.format);
  }
  if (options.verify === 'while-reading' && !(await isGzip(file))) {
    await lines.return(undefined);
    const trailer = await readTrailer(file);
    if (!trailer?.digest) throw noTrailer(file);
    const info = {
      file,
      header,
      digest: trailer.digest,
      capturedAt: trailer.capturedAt ?? '',
      entries: trailer.entries ?? -1,
    };
    unverified.add(info);
    return info;
  }
  const hash = createHash('sha256').update(`${head}\n`);
  let entries = 0;
  let trailer: Trailer | undefined;
  for await (const line of lines) {
    if (trailer)
      throw baselineError(
        file,
        'lines after the trailer: the file was changed after capture; rebake the image',
      );
    if (line.startsWith(trailerPrefix)) {
      trailer = JSON.parse(line.slice(trailerPrefix.length)) as Trailer;
      continue;
    }
    hash.update(`${line}\n`);
    entries++;
  }
  if (!trailer?.digest) throw noTrailer(file);
  const digest = `sha256:${hash.digest('hex')}`;
  if (digest !== trailer.digest || entries !== trailer.entries)
    throw digestMismatch(file, trailer.digest, digest);
  return { file, header, digest, capturedAt: trailer.capturedAt ?? '', entries };
}

/** The trailer, when the file's last line is one (read from the end: one small read). */
async function readTrailer(file: string): Promise<Trailer | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 4096);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    const text = tail.toString('utf8').replace(/\n$/, '');
    const last = text.slice(text.lastIndexOf('\n') + 1);
    return last.startsWith(trailerPrefix)
      ? (JSON.parse(last.slice(trailerPrefix.length)) as Trailer)
      : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** A format-1 (JSON) baseline is converted; anything else is refused, saying which kiln reads it. */
async function openOtherFormat(file: string, v2Format: string | undefined): Promise<BaselineInfo> {
  let raw: { format?: unknown };
  try {
    raw =
      v2Format !== undefined
        ? { format: v2Format }
        : (JSON.parse(await readFile(file, 'utf8')) as { format?: unknown });
  } catch (error) {
    throw baselineError(
      file,
      `not a kiln baseline (neither ${baselineFormat} nor the JSON of ${legacyBaselineFormat}); capture it again with: kiln-agent baseline capture --out ${file}`,
      error,
    );
  }
  if (raw.format === legacyBaselineFormat) {
    const { info, entries } = convertLegacyBaseline(file, raw);
    legacyEntries.set(info, entries);
    return info;
  }
  throw baselineError(
    file,
    `a baseline of format ${JSON.stringify(raw.format)}, which kiln ${kilnVersion} does not read (it reads ${baselineFormat} and ${legacyBaselineFormat}, the format of kiln 0.1.0); check it with the kiln version that captured it, or rebake the image with this one`,
  );
}

/**
 * Streams a baseline's entries in walk order (those `keep` accepts; every line is still read and
 * verified); throws at the end if the file changed since openBaseline.
 */
export async function* baselineEntries(
  info: BaselineInfo,
  keep: (e: FileEntry) => boolean = () => true,
): AsyncGenerator<FileEntry> {
  const stream = baselineStream(info, keep);
  for await (const items of stream.batches)
    for (const item of items) {
      const entry = stream.entry(item);
      if (entry) yield entry;
    }
}

/**
 * As baselineEntries, for the check's merge walk: the entry lines a read chunk at a time, each
 * decoded only when the walk reaches it. Decoding a chunk's ~100 entries up front kept them
 * alive across scavenges; promoted, they grew the old generation (and the RSS) by ~11 MiB in a
 * check of /usr.
 */
export function baselineStream(
  info: BaselineInfo,
  keep: (e: FileEntry) => boolean = () => true,
  select?: (path: string) => boolean,
): EntryStream<string | FileEntry> {
  if (select) return selectedStream(info, keep, select);
  const converted = legacyEntries.get(info);
  // The header is line 1.
  let lineNo = 1;
  const entry = (item: string | FileEntry): FileEntry | undefined => {
    lineNo++;
    let decoded: FileEntry;
    try {
      decoded = typeof item === 'string' ? decodeEntry(item) : item;
    } catch (error) {
      throw baselineError(info.file, `line ${lineNo}: ${(error as Error).message}`);
    }
    return keep(decoded) ? decoded : undefined;
  };
  return { batches: converted ? oneBatch(converted) : entryLines(info), entry };
}

/**
 * As baselineStream, with only the entries whose path `select` accepts (called in walk order) ever
 * decoded: a check of the few paths the change feed reported reads every line (the digest still
 * covers them all) but decodes almost none.
 */
function selectedStream(
  info: BaselineInfo,
  keep: (e: FileEntry) => boolean,
  select: (path: string) => boolean,
): EntryStream<string | FileEntry> {
  const all = baselineStream(info, keep);
  const pathOf = (item: string | FileEntry) =>
    typeof item === 'string' ? unescapePath(item.slice(0, item.indexOf('\t'))) : item.path;
  async function* batches(): AsyncGenerator<Array<string | FileEntry>> {
    for await (const items of all.batches) {
      const chosen = items.filter((item) => select(pathOf(item)));
      if (chosen.length > 0) yield chosen;
    }
  }
  return { batches: batches(), entry: all.entry };
}

async function* oneBatch<T>(items: T[]): AsyncGenerator<T[]> {
  yield items;
}

/** The entry lines (neither header nor trailer), a chunk at a time; verifies the digest at the end. */
async function* entryLines(info: BaselineInfo): AsyncGenerator<string[]> {
  const hash = createHash('sha256');
  let lineNo = 0;
  let ended = false;
  for await (const chunk of readLineBatches(info.file)) {
    let lines = chunk;
    const trailer = lines.findIndex((line) => line.startsWith(trailerPrefix));
    if (trailer >= 0) {
      ended = true;
      lines = lines.slice(0, trailer);
    }
    // The chunk's lines, hashed in one call rather than one per line.
    if (lines.length > 0) hash.update(`${lines.join('\n')}\n`);
    if (lineNo === 0 && lines.length > 0) {
      lineNo = 1;
      lines = lines.slice(1);
    }
    lineNo += lines.length;
    if (lines.length > 0) yield lines;
    if (ended) break;
  }
  const digest = `sha256:${hash.digest('hex')}`;
  // Entry lines: all before the trailer but the header.
  const entries = lineNo - 1;
  if (unverified.has(info)) {
    if (digest !== info.digest || entries !== info.entries)
      throw digestMismatch(info.file, info.digest, digest);
    unverified.delete(info);
    return;
  }
  if (digest !== info.digest)
    throw baselineError(
      info.file,
      `changed while in use (digest ${digest}, opened as ${info.digest}); restart the agent`,
    );
}
