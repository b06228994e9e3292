/**
 * The log-shipping benchmark of issue 3: generates seeded access-log and JSON lines, starts its
 * own Elasticsearch, ships the same files with each shipper in turn (raw _bulk, rsyslog,
 * syslog-ng, kiln, the kiln agent alone), prints the figures and records them in bench/RESULTS.md.
 * Run: `npm run build && node bench/shipping/run.ts` (docs/benchmarks.md, "Benchmarks: log shipping").
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LocalEsState, probe, startLocalEs, stopLocalEs } from '../../lib/local-es/index.ts';
import { kilnVersion } from '../../lib/version.ts';
import { dropIndices, warmUpEs } from './es-target.ts';
import { generateLogs } from './generate.ts';
import { type Measurement, measure } from './measure.ts';
import { type BenchOptions, parseBenchOptions, type ShipperId, usage } from './options.ts';
import { bulkLoaderShipper } from './peers/bulk-loader.ts';
import { kilnAgentAloneShipper, kilnShipper } from './peers/kiln.ts';
import { ensureOtelcol, otelcolShipper, otelcolVersion } from './peers/otelcol.ts';
import { rsyslogShipper, rsyslogVersion } from './peers/rsyslog.ts';
import {
  ensureSyslogNg,
  type SyslogNgInstall,
  syslogNgInstall,
  syslogNgShipper,
  syslogNgVersion,
} from './peers/syslog-ng.ts';
import { crashPhase, type PhaseContext, steadyPhase } from './phases.ts';
import { Processes } from './processes.ts';
import { hardware, type MachineDetails, renderSection, renderTerminal, replaceSection } from './report.ts';
import { type BenchContext, benchContext, type Shipper } from './shipper.ts';

const root = resolve(import.meta.dirname, '../..');
const esName = 'bench';
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Why kiln's rows cannot run, or undefined when dist/ has a working agent and collector. */
function kilnUnavailable(): string | undefined {
  for (const [bundle, args] of [
    ['kiln-agent.js', ['run', '--help']],
    ['kiln.js', ['collector', 'run', '--help']],
  ] as const) {
    const file = join(root, 'dist', bundle);
    if (!existsSync(file)) return `dist/${bundle} is missing: run "npm run build" first`;
    const result = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8' });
    if (result.status !== 0)
      return `"${bundle} ${args.join(' ')}" failed: ${(result.stderr || result.stdout).trim().split('\n')[0]}`;
  }
  return undefined;
}

/** The version the built agent reports (`kiln-agent --version`). */
function bundledVersion(): string {
  const result = spawnSync(process.execPath, [join(root, 'dist', 'kiln-agent.js'), '--version'], {
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.trim() : kilnVersion;
}

/** A row for a shipper that could not run at all. */
function notRun(name: string, problem: string, expectedDocs: number, bytes: number): Measurement {
  return {
    name,
    settings: 'not run',
    expectedDocs,
    deliveredDocs: 0,
    seconds: 0,
    bytes,
    shipper: { cpuSeconds: 0, peakRssBytes: 0 },
    problem,
  };
}

async function main(options: BenchOptions): Promise<number> {
  const processes = new Processes();
  const temp = mkdtempSync(join(tmpdir(), 'kiln-bench-shipping-'));
  let es: LocalEsState | undefined;
  const prefix = options.prefix ?? (options.esUrl ? `bench-${randomBytes(3).toString('hex')}` : 'bench');
  let esUrl = options.esUrl ?? '';
  let cleanedUp = false;
  const cleanUp = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    await processes.stopAll();
    if (es) {
      await stopLocalEs(esName);
      rmSync(join(es.dir, 'data'), { recursive: true, force: true });
    } else if (esUrl) {
      await dropIndices(esUrl, `${prefix}-*`).catch(() => undefined);
      await dropTemplates(esUrl, prefix);
    }
    rmSync(temp, { recursive: true, force: true });
  };
  // The first signal ends the current shipper and records what was measured; a second one exits at once.
  const interrupted = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted.signal.aborted) {
      log(`${signal}: finishing the current row, recording, cleaning up (again to exit at once)`);
      interrupted.abort();
      return;
    }
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const logDir = join(temp, 'logs');
    mkdirSync(logDir);
    log(
      `generating ${options.sizeMib} MiB in ${options.files} files under ${logDir} (seed ${options.seed})…`,
    );
    const files = await generateLogs({
      dir: logDir,
      totalBytes: options.sizeMib * 1024 * 1024,
      files: options.files,
      seed: options.seed,
    });
    const expectedDocs = files.reduce((n, f) => n + f.lines, 0);
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    log(`  ${expectedDocs} lines, ${bytes} bytes`);

    if (!esUrl) {
      es = await startLocalEs({ name: esName, heap: options.heap, fresh: true }, log);
      esUrl = es.url;
    }
    const esVersion = (await probe({ url: esUrl })).version ?? 'unknown';
    log(`Elasticsearch ${esVersion} at ${esUrl}, index prefix ${prefix}`);
    if (es) {
      // A fresh JVM would charge its JIT warm-up to the first shipper; pay it here instead.
      const warmStarted = Date.now();
      await warmUpEs(esUrl, prefix, options.warmUpDocs);
      log(
        `  warmed up Elasticsearch (${options.warmUpDocs} throwaway documents) in ${((Date.now() - warmStarted) / 1000).toFixed(1)} s`,
      );
    }

    const ctx = benchContext({ esUrl, prefix, logDir, files, processes, root, workRoot: join(temp, 'work') });
    let syslogNg: SyslogNgInstall | undefined;
    let syslogNgProblem: string | undefined;
    if (options.only.includes('syslog-ng')) {
      try {
        syslogNg = ensureSyslogNg(options.syslogNgCache, log);
      } catch (error) {
        syslogNgProblem = (error as Error).message;
      }
    }
    const kilnProblem = options.only.some((id) => id.startsWith('kiln')) ? kilnUnavailable() : undefined;
    const kiln = kilnProblem ? kilnVersion : bundledVersion();

    let otelcol: string | { problem: string } = { problem: 'not selected' };
    if (options.only.includes('otelcol')) otelcol = ensureOtelcol(options.otelcolCache, log);
    const make = (id: ShipperId, c: BenchContext): Shipper | string => {
      switch (id) {
        case 'bulk':
          return bulkLoaderShipper(c);
        case 'rsyslog':
          return rsyslogVersion()
            ? rsyslogShipper(c)
            : 'rsyslogd not found: apt-get install -y rsyslog rsyslog-elasticsearch';
        case 'syslog-ng':
          return syslogNg ? syslogNgShipper(c, syslogNg) : (syslogNgProblem ?? 'syslog-ng unavailable');
        case 'otelcol':
          return typeof otelcol === 'string' ? otelcolShipper(c, otelcol) : otelcol.problem;
        case 'kiln':
          return kilnProblem ?? kilnShipper(c, kiln);
        case 'kiln-alone':
          return kilnProblem ?? kilnAgentAloneShipper(c, kiln);
      }
    };
    const machine = {
      ...hardware(),
      node: process.version,
      elasticsearch: esVersion,
      rsyslog: rsyslogVersion() ?? 'not installed',
      syslogNg: syslogNgVersion(syslogNg ?? syslogNgInstall(options.syslogNgCache)) ?? 'not available',
      otelcol: typeof otelcol === 'string' ? otelcolVersion : 'not built',
      kiln,
    };
    const data = { docs: expectedDocs, bytes, files: files.length };
    const rows: Measurement[] = [];
    const byId = new Map<ShipperId, Measurement>();
    const order: ShipperId[] = [...options.only];
    // The first shipper once more at the end: if the warm-up was enough, both rows agree.
    if (options.repeatFirst && order.length > 1) order.push(order[0]!);
    for (const [n, id] of order.entries()) {
      if (interrupted.signal.aborted) {
        rows.push(notRun(id, 'interrupted before it ran', expectedDocs, bytes));
        continue;
      }
      const again = n >= options.only.length;
      // The repeat starts from scratch: its own work directory, so no checkpoints of the first run.
      const made = make(id, again ? { ...ctx, workDir: (name) => ctx.workDir(`${name}-again`) } : ctx);
      const shipper =
        typeof made === 'string' || !again ? made : { ...made, name: `${made.name} (again, last)` };
      if (typeof shipper === 'string') {
        log(`${id}: not run: ${shipper}`);
        rows.push(notRun(id, shipper, expectedDocs, bytes));
        continue;
      }
      log(`${shipper.name}: shipping…`);
      const row = await measure(shipper, {
        expectedDocs,
        bytes,
        processes,
        timeoutMs: options.timeoutMin * 60_000,
        pollMs: options.pollMs,
        signal: interrupted.signal,
        esUrl,
        ...(es ? { esPid: es.pid } : {}),
        log,
      });
      log(`  ${row.problem ? `INCOMPLETE: ${row.problem}` : `done in ${row.seconds.toFixed(1)} s`}`);
      rows.push(row);
      if (!again) byId.set(id, row);
      // Recorded after every row, so a long run that is stopped keeps what it measured.
      if (options.record) record(options, machine, data, rows, order.slice(rows.length));
    }

    const phases: PhaseContext = {
      base: ctx,
      temp,
      make,
      timeoutMs: options.timeoutMin * 60_000,
      signal: interrupted.signal,
      log,
    };
    const tailers = options.only.filter((id) => id !== 'kiln-alone');
    if (options.crashMib > 0) {
      await crashPhase(phases, tailers, byId, options.crashMib);
      if (options.record) record(options, machine, data, rows, []);
    }
    if (options.steadySeconds > 0) await steadyPhase(phases, tailers, byId, options.steadySeconds);
    process.stdout.write(`${renderTerminal(machine, data, rows)}\n`);
    if (options.record) record(options, machine, data, rows, []);
    return rows.some((r) => r.problem) ? 1 : 0;
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Writes the "Log shipping" section of the results file; rows still to come are listed as pending. */
function record(
  options: BenchOptions,
  machine: MachineDetails,
  data: { docs: number; bytes: number; files: number },
  rows: readonly Measurement[],
  pending: readonly ShipperId[],
): void {
  const command = `node bench/shipping/run.ts ${process.argv.slice(2).join(' ')}`.trim();
  const all = [
    ...rows,
    ...pending.map((id) => notRun(id, 'not measured yet (run in progress)', data.docs, data.bytes)),
  ];
  const section = renderSection(
    machine,
    { ...data, command, date: new Date().toISOString().slice(0, 10) },
    all,
  );
  const file = resolve(root, options.resultsFile);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, replaceSection(current, section));
  log(`recorded in ${file}`);
}

/** Deletes the index templates of the prefix (the peers' and the kiln collector's). */
async function dropTemplates(esUrl: string, prefix: string): Promise<void> {
  const response = await fetch(`${esUrl}/_index_template/${prefix}-*`).catch(() => undefined);
  if (!response?.ok) return;
  const body = (await response.json()) as { index_templates?: Array<{ name: string }> };
  for (const t of body.index_templates ?? []) {
    await fetch(`${esUrl}/_index_template/${t.name}`, { method: 'DELETE' }).catch(() => undefined);
  }
}

let options: BenchOptions;
try {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
process.exitCode = await main(options).catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
