/**
 * The drift source: checks the instance against the baseline baked into its image at start,
 * then every `drift.intervalMs` and shortly after file-system events on `drift.watchRoots`
 * (chokidar). Incremental (streamed stat cache in the state directory, a full check every
 * `drift.fullCheckIntervalMs`), paced (read budget, `drift.jobs` hashing threads), and each new
 * difference is sent once: it is remembered as sent when the collector confirmed it durable.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FSWatcher, watch } from 'chokidar';
import { describeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { compileAllowlist } from '../baseline/allowlist.ts';
import { openBaseline } from '../baseline/baseline-file.ts';
import type { HashStats } from '../baseline/scan.ts';
import type { BaselineInfo, Difference } from '../baseline/types.ts';
import { effectiveRoots, realPathOf } from '../baseline/walk.ts';
import type { AgentConfig } from '../config.ts';
import type { AgentIdentity, EventSink, Source } from '../pipeline/source.ts';
import { ChangeFeed, findFeedCommand } from './change-feed.ts';
import { buildDriftEvent, differenceKey } from './event.ts';
import { checkChanged, type FedCheckOptions } from './fed-check.ts';
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
  /** Told when a check finished (with its counters), when watching started and when the change feed is ready; for metrics and tests. */
  observe?: (what: 'checked' | 'watching' | 'feeding', detail?: DriftCheckReport) => void;
  /** The change feed's executable and socket (default: config, then beside the agent); false: none. */
  changeFeed?: { command?: string; socket?: string } | false;
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
  /** True when only the paths the change feed reported were compared again (fed-check.ts). */
  fed: boolean;
  durationMs: number;
}

/** File differences a fed check can build on; past this many the next check walks instead. */
const maxRememberedFiles = 20_000;

function rememberFiles(epoch: number, differences: readonly Difference[]) {
  const files = differences.filter((d) => d.category === 'file');
  return files.length > maxRememberedFiles ? undefined : { epoch, files };
}

/** How long the first check waits for the change feed to be ready (it walks either way). */
const feedStartWaitMs = 5000;

/** The directory of this module (the bundle's, in dist/), where the feed executable is looked for. */
function moduleDir(): string {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return path.dirname(process.execPath);
  }
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
  let feed: ChangeFeed | undefined;
  let rescan = false;
  let stopped = false;

  const budget = {
    take: (bytes: number) => {
      if (stopped) throw stoppedSignal;
      return throttle.take(bytes);
    },
  };

  /** What a check fed by the change feed builds on: the last walk's file differences and epoch. */
  let walked: { epoch: number; files: Difference[] } | undefined;
  let fullCheckAtMs: number | undefined;

  /** A walk (checkWithCache), or only the changed paths when the feed vouches for the rest. */
  const check = async (info: BaselineInfo, common: Omit<FedCheckOptions, 'previous' | 'changes'>) => {
    const snapshot = feed?.take();
    const fullDue = fullCheckAtMs === undefined || now() - fullCheckAtMs >= settings.fullCheckIntervalMs;
    if (snapshot?.ready && walked?.epoch === snapshot.epoch && !fullDue) {
      const previous = walked.files;
      walked = undefined; // until this check has succeeded
      const result = await checkChanged(info, { ...common, previous, changes: snapshot.changes });
      walked = rememberFiles(snapshot.epoch, result.differences);
      return { ...result, full: false, fed: true };
    }
    walked = undefined;
    const result = await checkWithCache(info, {
      ...common,
      cacheFile,
      nowMs: now(),
      fullCheckIntervalMs: settings.fullCheckIntervalMs,
    });
    fullCheckAtMs = result.fullCheckAtMs;
    if (snapshot?.ready) walked = rememberFiles(snapshot.epoch, result.differences);
    return { ...result, fed: false };
  };

  const scanOnce = async (reason: string) => {
    if (!baseline || !sink) return;
    const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
    const started = now();
    const reference = await firstBoot.load(baseline.digest);
    const { differences, sockets, full, fed } = await check(baseline, {
      root,
      procDir,
      extraAllowlist: settings.allowlist,
      dpkgAdminDir: realPathOf(root, settings.dpkgAdminDir),
      jobs: settings.jobs,
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
      fed,
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

  /**
   * Starts the change feed on the roots the walk covers; resolves true once it is ready, false
   * when it cannot run (chokidar's watch and the walk do its work then) or is slow to start.
   */
  const startFeed = (loaded: BaselineInfo): Promise<boolean> =>
    new Promise((resolve) => {
      const given = options.changeFeed === false ? undefined : options.changeFeed;
      const allowlist = compileAllowlist([...loaded.header.allowlist, ...settings.allowlist]);
      const prefix = root === '/' ? '' : realpathSync(root);
      let settled = false;
      const settle = (ready: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(ready);
      };
      const timer = setTimeout(() => settle(false), feedStartWaitMs);
      const command = given?.command ?? settings.changeFeedCommand ?? findFeedCommand(moduleDir());
      feed = new ChangeFeed({
        ...(command ? { command } : {}),
        socket: given?.socket ?? settings.changeFeedSocket,
        roots: effectiveRoots(root, loaded.header.roots, allowlist).map((r) => realPathOf(root, r)),
        logical: (real) => {
          if (prefix && !real.startsWith(`${prefix}/`)) return undefined;
          const p = prefix ? real.slice(prefix.length) : real;
          return allowlist.allows('file', p) ? undefined : p;
        },
        onChange: scheduleSoon,
        onState: (state, why) => {
          if (state === 'failed') {
            log.info('drift checks walk the roots: the change feed cannot run', { why });
            if (settled && settings.watch && !watcher) startWatching(loaded);
            settle(false);
            return;
          }
          options.observe?.('feeding');
          // A walk that began before the feed was ready vouches for nothing after it: walk again.
          if (settled) scan('change feed ready');
          settle(true);
        },
        log,
      });
      feed.start();
    });

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
      const feeding = settings.changeFeed === 'auto' && options.changeFeed !== false;
      const fed = feeding ? await startFeed(baseline) : false;
      scan('start');
      interval = setInterval(() => scan('interval'), settings.intervalMs);
      interval.unref();
      if (settings.watch && !fed) startWatching(baseline);
    },
    async stop() {
      stopped = true;
      feed?.stop();
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
