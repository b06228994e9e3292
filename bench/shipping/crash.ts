/**
 * The crash column: a shipper is SIGKILLed once part of the data has arrived, started again on
 * the same state (checkpoints, queues), and left to finish; then every stored message is
 * compared with the lines of the files, as multisets: a line stored fewer times than it was
 * written is lost, one stored more times is doubled. Runs on its own, smaller data set so the
 * comparison fits in memory (`--crash-mib`).
 */
import { readFileSync } from 'node:fs';
import { sleep } from '../../lib/retry.ts';
import type { GeneratedFile } from './generate.ts';
import type { Processes } from './processes.ts';
import { progressOf, type Shipper } from './shipper.ts';

/** What one crash run came to. */
export interface CrashResult {
  /** Documents that had arrived when the shipper was killed. */
  killedAtDocs: number;
  lost: number;
  doubled: number;
  /** Why the run is incomplete, when it is. */
  problem?: string;
}

/** How a crash run goes. */
export interface CrashOptions {
  files: readonly GeneratedFile[];
  esUrl: string;
  processes: Processes;
  /** Share of the lines delivered before the kill. Default 0.4. */
  killAtShare?: number;
  /** The run ends when the count has not moved for this long after the restart. Default 20 s. */
  settleMs?: number;
  timeoutMs: number;
  log: (line: string) => void;
}

/** Lines of the files as a multiset (pure apart from reading them). */
export function lineCounts(files: readonly GeneratedFile[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of files) {
    for (const line of readFileSync(f.path, 'utf8').split('\n')) {
      if (line !== '') counts.set(line, (counts.get(line) ?? 0) + 1);
    }
  }
  return counts;
}

/** Lost and doubled lines of `stored` against `written` (pure). */
export function compareCounts(
  written: Map<string, number>,
  stored: Map<string, number>,
): { lost: number; doubled: number } {
  let lost = 0;
  let doubled = 0;
  for (const [line, n] of written) {
    const got = stored.get(line) ?? 0;
    if (got < n) lost += n - got;
    else doubled += got - n;
  }
  for (const [line, got] of stored) if (!written.has(line)) doubled += got;
  return { lost, doubled };
}

function readPath(doc: unknown, path: string): unknown {
  let value = doc;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  // Some shippers store dotted names flat ("body.text"): try the whole path as one key too.
  return value ?? (doc as Record<string, unknown>)[path];
}

/** Every stored message of an index pattern, counted (scroll API, 10 000 at a time). */
export async function storedCounts(
  esUrl: string,
  index: string,
  field: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${esUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${path} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return (await response.json()) as { _scroll_id: string; hits: { hits: Array<{ _source: unknown }> } };
  };
  await fetch(`${esUrl}/${index}/_refresh`, { method: 'POST' });
  let page = await post(`/${index}/_search?scroll=2m`, { size: 10_000, sort: ['_doc'], _source: [field] });
  while (page.hits.hits.length > 0) {
    for (const hit of page.hits.hits) {
      const message = readPath(hit._source, field);
      if (typeof message === 'string') counts.set(message, (counts.get(message) ?? 0) + 1);
    }
    page = await post('/_search/scroll', { scroll: '2m', scroll_id: page._scroll_id });
  }
  await fetch(`${esUrl}/_search/scroll`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scroll_id: page._scroll_id }),
  });
  return counts;
}

/** Runs the crash scenario for one shipper (see the file comment); tears it down whatever happens. */
export async function measureCrash(shipper: Shipper, o: CrashOptions): Promise<CrashResult> {
  const expected = o.files.reduce((n, f) => n + f.lines, 0);
  const result: CrashResult = { killedAtDocs: 0, lost: 0, doubled: 0 };
  const started = Date.now();
  try {
    await shipper.setUp();
    const first = await shipper.launch();
    const killAt = Math.floor(expected * (o.killAtShare ?? 0.4));
    for (;;) {
      await sleep(250);
      // A just-created index answers 503 until its shard is assigned: count it as no progress.
      result.killedAtDocs = await progressOf(shipper).catch(() => result.killedAtDocs);
      if (result.killedAtDocs >= killAt) break;
      if (!first.running()) throw new Error(`${first.name} exited before the kill: ${first.tail(3)}`);
      if (Date.now() - started > o.timeoutMs) throw new Error('timed out before the kill');
    }
    const exited = new Promise<void>((resolve) => first.process.once('exit', () => resolve()));
    first.process.kill('SIGKILL');
    await exited;
    o.log(`  ${shipper.name}: SIGKILLed at ${result.killedAtDocs} of ${expected}; restarting`);
    const second = await shipper.launch();
    let last = -1;
    let still = Date.now();
    for (;;) {
      await sleep(1000);
      const now = await progressOf(shipper).catch(() => last);
      if (now !== last) {
        last = now;
        still = Date.now();
      } else if (now >= expected && Date.now() - still > (o.settleMs ?? 20_000) / 4) break;
      else if (Date.now() - still > (o.settleMs ?? 20_000)) break;
      if (!second.running()) throw new Error(`${second.name} exited after the restart: ${second.tail(3)}`);
      if (Date.now() - started > o.timeoutMs) {
        result.problem = `timed out after ${Math.round((Date.now() - started) / 1000)} s`;
        break;
      }
    }
    await o.processes.stop(second);
    const stored = await storedCounts(o.esUrl, shipper.index ?? '', shipper.messageField ?? 'message');
    Object.assign(result, compareCounts(lineCounts(o.files), stored));
  } catch (error) {
    result.problem = error instanceof Error ? error.message : String(error);
  } finally {
    await shipper
      .tearDown()
      .catch((error) => o.log(`  tear-down of ${shipper.name} failed: ${String(error)}`));
  }
  return result;
}
