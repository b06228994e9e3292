/**
 * End-to-end harness: the real collector and the real agent as child processes (the shipped
 * bundles in dist/), against the run's real Elasticsearch, so tests can kill and restart them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { TokenStore } from '../../collector/tokens/token-store.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { freePort } from '../../lib/local-es/index.ts';

const root = resolve(import.meta.dirname, '../..');

/** A child process with its output kept for assertions. */
export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts one of the shipped bundles (`kiln.js`, `kiln-agent.js`) with extra environment. */
export function launch(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [join(root, 'dist', script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))),
  );
  return {
    child,
    output: () => output,
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls until `check` returns true, or fails with `what` after the timeout. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A collector process; `port` lets a test restart it on the same address. */
export async function startCollector(
  esUrl: string,
  names: IndexNames,
  port?: number,
  extra: string[] = [],
): Promise<Proc & { url: string; port: number }> {
  const p = port ?? (await freePort());
  const proc = launch('kiln.js', [
    'collector',
    'run',
    '--listen',
    `127.0.0.1:${p}`,
    '--es-url',
    esUrl,
    '--index-prefix',
    names.prefix,
    ...extra,
  ]);
  const url = `http://127.0.0.1:${p}`;
  await waitFor(`collector on ${url}`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`collector exited: ${proc.output()}`);
    return fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  });
  return { ...proc, url, port: p };
}

/** A working directory for one agent: logs dir, state dir, token file. */
export interface AgentDirs {
  base: string;
  logs: string;
  state: string;
  tokenFile: string;
  config: string;
}

/**
 * Makes the agent's directories and an enrollment token file: bound to `instanceId` when given
 * (as an operator would make it per instance), else fleet-wide (trust on first use).
 */
export async function prepareAgent(
  client: Client,
  names: IndexNames,
  label: string,
  instanceId?: string,
): Promise<AgentDirs> {
  const base = mkdtempSync(join(tmpdir(), `kiln-e2e-${label}-`));
  const dirs = {
    base,
    logs: join(base, 'logs'),
    state: join(base, 'state'),
    tokenFile: join(base, 'token'),
    config: join(base, 'agent.yaml'),
  };
  mkdirSync(dirs.logs);
  mkdirSync(dirs.state);
  const { token } = await new TokenStore(client, names).createEnrollmentToken({
    ...(instanceId ? { scope: 'bound' as const, instanceIds: [instanceId] } : { scope: 'fleet' as const }),
    description: label,
  });
  writeFileSync(dirs.tokenFile, token, { mode: 0o600 });
  return dirs;
}

/** Writes an agent config shipping `include` to the collector; `extra` merges top-level sections. */
export function writeAgentConfig(
  dirs: AgentDirs,
  collectorUrl: string,
  instanceId: string,
  files: unknown[],
  extra: Record<string, unknown> = {},
): void {
  const config = {
    collector: { url: collectorUrl, enrollmentToken: { file: dirs.tokenFile }, requestTimeoutMs: 10_000 },
    stateDir: dirs.state,
    instanceId,
    inputs: { files, scanIntervalMs: 200 },
    shipping: { flushIntervalMs: 200, backoffBaseMs: 200, backoffMaxMs: 2000 },
    facts: { enabled: false },
    drift: { enabled: false },
    heartbeat: { intervalMs: 60_000 },
    // No instance metadata here unless a test serves a stand-in (and sets facts.imdsUrl).
    termination: { enabled: false },
    ...extra,
  };
  writeFileSync(dirs.config, JSON.stringify(config, null, 2));
}

/** Starts `kiln-agent run --config`. */
export function startAgent(dirs: AgentDirs, env: NodeJS.ProcessEnv = {}): Proc {
  return launch('kiln-agent.js', ['run', '--config', dirs.config], { KILN_LOG_LEVEL: 'info', ...env });
}

/** Counts the log documents of one instance (optionally one file). */
export async function countLogs(
  client: Client,
  names: IndexNames,
  instanceId: string,
  path?: string,
): Promise<number> {
  await client.indices.refresh({
    index: names.pattern('logs'),
    allow_no_indices: true,
    ignore_unavailable: true,
  });
  const filter: unknown[] = [{ term: { 'cloud.instance.id': instanceId } }];
  if (path) filter.push({ term: { 'log.file.path': path } });
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await client.count({
        index: names.pattern('logs'),
        allow_no_indices: true,
        ignore_unavailable: true,
        query: { bool: { filter } } as never,
      });
      return r.count;
    } catch (error) {
      // A daily index created a moment ago may not have its shard started yet on a loaded machine.
      if (attempt >= 20 || !String(error).includes('no_shard_available_action_exception')) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Every distinct message of an instance (checks exact content: no loss, no duplicates). */
export async function messagesOf(
  client: Client,
  names: IndexNames,
  instanceId: string,
  path?: string,
): Promise<string[]> {
  await client.indices.refresh({ index: names.pattern('logs') });
  const filter: unknown[] = [{ term: { 'cloud.instance.id': instanceId } }];
  if (path) filter.push({ term: { 'log.file.path': path } });
  const out: string[] = [];
  let after: unknown[] | undefined;
  // A point in time pages with Elasticsearch's own tie-breaker (`_shard_doc`): a log line stores
  // no unique field of its own (its `_id` is, and `_id` cannot be sorted on).
  const pit = await client.openPointInTime({ index: names.pattern('logs'), keep_alive: '1m' });
  try {
    for (;;) {
      const r = await client.search<{ message: string }>({
        size: 10_000,
        pit: { id: pit.id, keep_alive: '1m' },
        query: { bool: { filter } } as never,
        sort: [{ 'log.file.path': 'asc' }, { 'log.offset': 'asc' }],
        _source: ['message'],
        ...(after ? { search_after: after as never } : {}),
      });
      for (const hit of r.hits.hits) out.push(hit._source!.message);
      if (r.hits.hits.length < 10_000) return out;
      after = r.hits.hits.at(-1)!.sort as unknown[];
    }
  } finally {
    await client.closePointInTime({ id: pit.id });
  }
}
