/**
 * The drift source: checks the instance against the baseline baked into its image at start,
 * then every `drift.intervalMs` and shortly after file-system events on `drift.watchRoots`
 * (chokidar). Incremental (streamed stat cache in the state directory, a full check every
 * `drift.fullCheckIntervalMs`), paced (read budget, `drift.jobs` hashing threads), and each new
 * difference is sent once: it is remembered as sent when the collector confirmed it durable.
 */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { describeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { compileAllowlist } from '../baseline/allowlist.ts';
import { openBaseline } from '../baseline/baseline-file.ts';
import type { HashStats } from '../baseline/scan.ts';
import type { BaselineInfo } from '../baseline/types.ts';
import { realPathOf } from '../baseline/walk.ts';
import type { AgentConfig } from '../config.ts';
import type { AgentIdentity, EventSink, Source } from '../pipeline/source.ts';
import { buildDriftEvent, differenceKey } from './event.ts';
import { FirstBootSockets, uptimeMs } from './first-boot.ts';
import { checkWithCache } from './incremental.ts';
import { ReportedDifferences } from './reported.ts';
import { StatCacheFile } from './stat-cache.ts';
import { createReadThrottle } from './throttle.ts';

/** Options for tests and for checking a system under a directory prefix. */
export interface DriftSourceOptions {
  /** Directory prefix of the checked system. Default `/`. */
  root?: string;
  /** Where `modules`, `net/*` and `uptime` are read. Default `/proc`. */
  procDir?: string;
  now?: () => number;
  /** Told when a check finished (with its counters) and when watching started; for metrics and tests. */
  observe?: (what: 'checked' | 'watching', detail?: DriftCheckReport) => void;
}

/** What one check did. */
export interface DriftCheckReport {
  reason: string;
  differences: number;
  sent: number;
  hashed: number;
  cached: number;
  /** True when every file was hashed (no cache, or the full-check period elapsed). */
  full: boolean;
  durationMs: number;
}

/** Raised inside a scan when the source stops, to abandon the rest of it. */
const stoppedSignal = Symbol('stopped');

/** Creates the drift source (the agent runtime wires it). */
export function createDriftSource(
  config: AgentConfig,
  identity: AgentIdentity,
  log: Logger,
  options: DriftSourceOptions = {},
): Source {
  const root = options.root ?? '/';
  const now = options.now ?? Date.now;
  const settings = config.drift;
  const procDir = options.procDir ?? '/proc';
  const cacheFile = new StatCacheFile(path.join(config.stateDir, 'drift-stat-cache'));
  const firstBoot = new FirstBootSockets(path.join(config.stateDir, 'drift-first-boot.json'));
  const reported = new ReportedDifferences(path.join(config.stateDir, 'drift-reported.json'));
  const throttle = createReadThrottle({ bytesPerSecond: settings.maxReadBytesPerSecond });
  const inFlight = new Set<string>();
  let baseline: BaselineInfo | undefined;
  let sink: EventSink | undefined;
  let interval: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let scanning: Promise<void> | undefined;
  let rescan = false;
  let stopped = false;

  const budget = {
    take: (bytes: number) => {
      if (stopped) throw stoppedSignal;
      return throttle.take(bytes);
    },
  };

  const scanOnce = async (reason: string) => {
    if (!baseline || !sink) return;
    const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
    const started = now();
    const reference = await firstBoot.load(baseline.digest);
    const { differences, sockets, full } = await checkWithCache(baseline, {
      root,
      procDir,
      extraAllowlist: settings.allowlist,
      dpkgAdminDir: realPathOf(root, settings.dpkgAdminDir),
      jobs: settings.jobs,
      cacheFile,
      nowMs: now(),
      fullCheckIntervalMs: settings.fullCheckIntervalMs,
      budget,
      counters,
      ...(reference ? { socketsAtFirstBoot: reference } : {}),
    });
    if (!reference && ((await uptimeMs(procDir)) ?? 0) >= settings.socketSettleMs)
      await firstBoot.save(baseline.digest, sockets);
    let sent = 0;
    for (const d of differences) {
      const key = differenceKey(d);
      if (stopped) return;
      if (reported.has(key) || inFlight.has(key)) continue;
      inFlight.add(key);
      sent++;
      await sink.push(buildDriftEvent(d, identity, baseline.digest, now()), () => {
        void reported.add(key).finally(() => inFlight.delete(key));
      });
    }
    const report: DriftCheckReport = {
      reason,
      differences: differences.length,
      sent,
      hashed: counters.hashed,
      cached: counters.cached,
      full,
      durationMs: now() - started,
    };
    log.debug('drift check done', { ...report });
    options.observe?.('checked', report);
  };

  /** Runs a scan, or queues one more if a scan is running (never two at once). */
  const scan = (reason: string) => {
    if (stopped) return;
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = scanOnce(reason)
      .catch((error) => {
        if (error !== stoppedSignal)
          log.warn('drift check failed; will retry', { error: describeError(error) });
      })
      .finally(() => {
        scanning = undefined;
        if (rescan && !stopped) {
          rescan = false;
          scan('queued');
        }
      });
  };

  const scheduleSoon = () => {
    if (debounce || stopped) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      scan('file-system event');
    }, settings.watchDebounceMs);
    debounce.unref();
  };

  const startWatching = (loaded: BaselineInfo) => {
    const allowlist = compileAllowlist([...loaded.header.allowlist, ...settings.allowlist]);
    const logicalOf = (real: string) => (root === '/' ? real : real.slice(path.resolve(root).length) || '/');
    // Watching the whole of /usr would hold one watch and one record per directory and file:
    // only the roots where tampering is quick to matter are watched; the interval covers the rest.
    const targets = settings.watchRoots.map((r) => realPathOf(root, r));
    targets.push(path.join(realPathOf(root, settings.dpkgAdminDir), 'status'));
    watcher = watch(targets, {
      ignoreInitial: true,
      followSymlinks: false,
      ignorePermissionErrors: true,
      ignored: (p: string) => allowlist.allows('file', logicalOf(p)),
    });
    watcher.on('all', scheduleSoon);
    watcher.on('ready', () => options.observe?.('watching'));
    watcher.on('error', (error) => log.warn('watching for drift failed', { error: describeError(error) }));
  };

  return {
    name: 'drift',
    async start(eventSink) {
      if (!settings.enabled || sink || stopped) return;
      sink = eventSink;
      const file = realPathOf(root, settings.baselinePath);
      try {
        baseline = await openBaseline(file);
      } catch (error) {
        log.warn('drift detection is off: no usable baseline (image not baked by kiln?)', {
          error: describeError(error),
        });
        return;
      }
      await reported.load(baseline.digest);
      scan('start');
      interval = setInterval(() => scan('interval'), settings.intervalMs);
      interval.unref();
      if (settings.watch) startWatching(baseline);
    },
    async stop() {
      stopped = true;
      if (interval) clearInterval(interval);
      if (debounce) clearTimeout(debounce);
      interval = undefined;
      debounce = undefined;
      const closing = watcher?.close();
      watcher = undefined;
      await closing;
      await scanning;
      await reported.flush();
    },
  };
}
