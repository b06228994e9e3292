/**
 * The agent draining a backlog with the collector down and then up (issue 11's memory bound):
 * the logs exist before the agent starts; it enrolls and starts shipping, then the collector is
 * stopped, so the agent reads until its queue (bounded in bytes) is full and waits, retrying;
 * after `--down-seconds` the collector comes back on the same address and the agent ships
 * everything. The agent's RSS is sampled
 * every second throughout. Prints the peak RSS while the collector was down and while the agent
 * drained, the drain time, and the exact count in Elasticsearch (deterministic ids: a document
 * cannot be stored twice, so the count equal to the lines means nothing was lost).
 *
 *   node bench/shipping/drain.ts [--size-mib 1024] [--down-seconds 60] [--es-url URL]
 *
 * Without `--es-url` it starts its own Elasticsearch (local-es `bench`, fresh).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LocalEsState, startLocalEs, stopLocalEs } from '../../lib/local-es/index.ts';
import { sleep } from '../../lib/retry.ts';
import { renderTable } from '../../lib/table.ts';
import { kilnVersion } from '../../lib/version.ts';
import { dropIndices } from './es-target.ts';
import { generateLogs } from './generate.ts';
import { agentExecutable, kilnShipper } from './peers/kiln.ts';
import { TreeSampler } from './proc-stats.ts';
import { Processes } from './processes.ts';
import { benchContext } from './shipper.ts';
import { rssBytes } from './steady.ts';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    'down-seconds': { type: 'string', default: '60' },
    'es-url': { type: 'string' },
    'timeout-min': { type: 'string', default: '30' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const root = join(import.meta.dirname, '..', '..');
const processes = new Processes();
const temp = mkdtempSync(join(tmpdir(), 'kiln-bench-drain-'));
let es: LocalEsState | undefined;
const prefix = `bench-drain-${process.pid}`;
let esUrl = values['es-url'] ?? '';
try {
  if (!esUrl) {
    es = await startLocalEs({ name: 'bench', heap: '2g', fresh: true }, log);
    esUrl = es.url;
  }
  const logDir = join(temp, 'logs');
  mkdirSync(logDir);
  const sizeMib = Number(values['size-mib']);
  log(`generating ${sizeMib} MiB under ${logDir}…`);
  const files = await generateLogs({ dir: logDir, totalBytes: sizeMib * 1024 * 1024 });
  const lines = files.reduce((n, f) => n + f.lines, 0);
  const shipper = kilnShipper(
    benchContext({ esUrl, prefix, logDir, files, processes, root, workRoot: join(temp, 'work') }),
    kilnVersion,
  );
  await shipper.setUp();
  const agent = await shipper.launch();
  const pid = agent.process.pid ?? -1;
  const sampler = new TreeSampler(pid);
  // Enrolled and shipping (its instance token in its state directory), then the collector goes.
  let before = 0;
  while (before === 0) {
    await sleep(200);
    before = await shipper.delivered();
    if (!agent.running()) throw new Error(`the agent exited: ${agent.tail(3)}`);
  }
  await shipper.stopCollector!();
  const downSeconds = Number(values['down-seconds']);
  let peakDown = 0;
  log(`collector stopped after ${before} lines were stored; sampling for ${downSeconds} s…`);
  for (let s = 0; s < downSeconds; s++) {
    await sleep(1000);
    peakDown = Math.max(peakDown, rssBytes(pid));
    if (!agent.running()) throw new Error(`the agent exited: ${agent.tail(3)}`);
  }
  const rssAtUp = rssBytes(pid);
  await shipper.startCollector!();
  const upAt = performance.now();
  let peakUp = 0;
  let delivered = 0;
  const deadline = Date.now() + Number(values['timeout-min']) * 60_000;
  while (Date.now() < deadline) {
    await sleep(1000);
    peakUp = Math.max(peakUp, rssBytes(pid));
    delivered = await shipper.delivered();
    if (delivered >= lines) break;
    if (!agent.running()) throw new Error(`the agent exited: ${agent.tail(3)}`);
  }
  const drainSeconds = (performance.now() - upAt) / 1000;
  sampler.sample();
  const usage = sampler.usage();
  await processes.stop(agent);
  await shipper.tearDown();
  const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `kiln ${kilnVersion}, agent ${agentExecutable(root) ? 'executable' : 'bundle'}, ${lines} lines (${sizeMib} MiB) in ${files.length} files, collector down ${downSeconds} s\n\n`,
  );
  process.stdout.write(
    `${renderTable(
      ['phase', 'agent peak RSS MiB', 'what'],
      [
        ['collector down', mib(peakDown), `RSS when it came back: ${mib(rssAtUp)} MiB`],
        [
          'collector up, draining',
          mib(peakUp),
          `${delivered} of ${lines} lines in Elasticsearch after ${drainSeconds.toFixed(1)} s`,
        ],
        ['whole run (VmHWM)', mib(usage.peakRssBytes), `agent CPU ${usage.cpuSeconds.toFixed(1)} s`],
      ],
    )}\n`,
  );
  process.exitCode = delivered === lines ? 0 : 1;
} finally {
  await processes.stopAll();
  if (es) await stopLocalEs('bench');
  else if (esUrl) await dropIndices(esUrl, `${prefix}-*`).catch(() => undefined);
  rmSync(temp, { recursive: true, force: true });
}
