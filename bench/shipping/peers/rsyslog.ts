/**
 * rsyslog from Debian (`rsyslog` + `rsyslog-elasticsearch`): imfile tails the files, omelasticsearch
 * posts `_bulk` requests. Run in the foreground with its own config, pid file and work directory.
 * imfile: https://www.rsyslog.com/doc/configuration/modules/imfile.html
 * omelasticsearch: https://www.rsyslog.com/doc/configuration/modules/omelasticsearch.html
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countDocs, dropIndices, indexedOps, putPeerTemplate } from '../es-target.ts';
import type { BenchContext, Shipper } from '../shipper.ts';

/** The settings the benchmark gives rsyslog. */
export const rsyslogSettings = {
  /** Events per bulk request (the action queue's dequeue batch). */
  batchEvents: 2000,
  /** Most bytes per bulk request. */
  maxBytes: '8m',
  /** Action queue: in memory, bounded; imfile waits when it is full (no loss). */
  queueSize: 100_000,
  workerThreads: 2,
} as const;

/** The rsyslog.conf for one run (pure). */
export function rsyslogConf(o: {
  workDir: string;
  logGlob: string;
  esHost: string;
  esPort: number;
  index: string;
}): string {
  const s = rsyslogSettings;
  return `# kiln shipping benchmark: imfile -> omelasticsearch, nothing else loaded.
global(workDirectory="${o.workDir}" maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="omelasticsearch")
main_queue(queue.type="Direct")

template(name="ecs" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timegenerated" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
  property(outname="log.file.path" name="$!metadata!filename" format="jsonf")
}

input(type="imfile" file="${o.logGlob}" tag="bench" addMetadata="on" freshStartTail="off" persistStateInterval="10000" ruleset="ship")

ruleset(name="ship") {
  action(type="omelasticsearch" server="${o.esHost}" serverport="${o.esPort}" template="ecs"
         searchIndex="${o.index}" esVersion.major="8" bulkmode="on" maxbytes="${s.maxBytes}"
         queue.type="LinkedList" queue.size="${s.queueSize}" queue.dequeueBatchSize="${s.batchEvents}"
         queue.workerThreads="${s.workerThreads}" action.resumeRetryCount="-1" errorfile="${o.workDir}/es-errors.json")
}
`;
}

/** `rsyslogd -v`'s version, e.g. `8.2302.0`. */
export function rsyslogVersion(): string | undefined {
  const out = spawnSync('rsyslogd', ['-v'], { encoding: 'utf8' });
  return /rsyslogd\s+([\d.]+)/.exec(out.stdout ?? '')?.[1];
}

/** rsyslog as a benchmark shipper. */
export function rsyslogShipper(ctx: BenchContext): Shipper {
  const index = `${ctx.prefix}-rsyslog`;
  const dir = ctx.workDir('rsyslog');
  const url = new URL(ctx.esUrl);
  return {
    name: `rsyslog ${rsyslogVersion() ?? '?'}`,
    settings: `imfile (inotify) → omelasticsearch bulkmode, ${rsyslogSettings.batchEvents} events / ≤${rsyslogSettings.maxBytes} per bulk, LinkedList queue ${rsyslogSettings.queueSize}, ${rsyslogSettings.workerThreads} workers`,
    async setUp() {
      mkdirSync(join(dir, 'work'), { recursive: true });
      writeFileSync(
        join(dir, 'rsyslog.conf'),
        rsyslogConf({
          workDir: join(dir, 'work'),
          logGlob: join(ctx.logDir, '*.log'),
          esHost: url.hostname,
          esPort: Number(url.port),
          index,
        }),
      );
      await putPeerTemplate(ctx.esUrl, index, [index]);
    },
    async launch() {
      const conf = join(dir, 'rsyslog.conf');
      const check = spawnSync('rsyslogd', ['-N1', '-f', conf], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`rsyslog refused ${conf}: ${check.stderr}`);
      return ctx.processes.start(
        'rsyslogd',
        'rsyslogd',
        ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')],
        join(dir, 'rsyslogd.out'),
      );
    },
    index,
    restartable: true,
    tails: true,
    collector: () => undefined,
    delivered: () => countDocs(ctx.esUrl, index),
    indexed: () => indexedOps(ctx.esUrl, index),
    async tearDown() {
      await dropIndices(ctx.esUrl, index, index);
    },
  };
}
