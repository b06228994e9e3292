/**
 * One local single-node Elasticsearch: prepared in its own state directory, started detached
 * on 127.0.0.1, waited for until the cluster answers, stopped cleanly. Used by `kiln local-es`,
 * `kiln demo`, the benchmarks and the test suite's global setup.
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { KilnError } from '../errors.ts';
import { sleep } from '../retry.ts';
import { ensureDistribution, type Progress } from './distribution.ts';
import { findJava } from './java.ts';
import { defaultEsVersion, instanceDir, kilnCacheDir } from './paths.ts';

/** Options of `kiln local-es start`; each states its default. */
export interface LocalEsOptions {
  /** Instance name (its own state directory). Default `default`. */
  name?: string;
  /** Elasticsearch version. Default the pinned one. */
  version?: string;
  /** HTTP port. Default a free port. */
  port?: number;
  /** Turn security on with a password for `elastic`. Default off. */
  security?: boolean;
  /** The `elastic` password when security is on. Default a random one (printed, and in state.json). */
  password?: string;
  /** JVM heap. Default `512m`. */
  heap?: string;
  /** How long to wait for the cluster. Default 180 000 ms. */
  readyTimeoutMs?: number;
  /** Cache directory. Default kilnCacheDir(). */
  cacheDir?: string;
  /** Start from an empty data directory. Default false. */
  fresh?: boolean;
}

/** What is recorded about a started instance (state.json). */
export interface LocalEsState {
  name: string;
  version: string;
  pid: number;
  url: string;
  port: number;
  security: boolean;
  username?: string;
  password?: string;
  dir: string;
  startedAt: string;
}

/** The state file of a named instance, or undefined when it was never started. */
export function readLocalEsState(name = 'default', cacheDir = kilnCacheDir()): LocalEsState | undefined {
  const file = join(instanceDir(cacheDir, name), 'state.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LocalEsState;
}

/** True while the process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts (or finds running) the named instance and waits until it answers. */
export async function startLocalEs(
  options: LocalEsOptions = {},
  progress: Progress = () => {},
): Promise<LocalEsState> {
  const name = options.name ?? 'default';
  const cacheDir = options.cacheDir ?? kilnCacheDir();
  const version = options.version ?? defaultEsVersion;
  const existing = readLocalEsState(name, cacheDir);
  if (existing && isAlive(existing.pid) && (await probe(existing)).ok) {
    progress(`already running at ${existing.url} (pid ${existing.pid})`);
    return existing;
  }
  const java = findJava(version);
  const home = ensureDistribution(cacheDir, version, progress);
  const dir = instanceDir(cacheDir, name);
  const port = options.port ?? (await freePort());
  const transportPort = await freePort();
  prepareInstanceDir(home, dir, {
    port,
    transportPort,
    security: options.security ?? false,
    fresh: options.fresh,
  });
  const password = options.security ? (options.password ?? randomBytes(12).toString('base64url')) : undefined;
  const runAs = process.getuid?.() === 0 ? ensureServiceUser(dir) : undefined;
  const env = {
    ...process.env,
    ES_JAVA_HOME: java.home,
    ES_PATH_CONF: join(dir, 'config'),
    ES_TMPDIR: join(dir, 'tmp'),
    ES_JAVA_OPTS: `-Xms${options.heap ?? '512m'} -Xmx${options.heap ?? '512m'}`,
    HOME: dir,
  };
  if (password) setBootstrapPassword(home, env, password, runAs);
  const out = openSync(join(dir, 'es.out'), 'w');
  const spawnOptions: SpawnOptions = { env, detached: true, stdio: ['ignore', out, out], ...(runAs ?? {}) };
  progress(`starting Elasticsearch ${version} on 127.0.0.1:${port} (Java ${java.major})…`);
  const child = spawn(join(home, 'bin', 'elasticsearch'), [], spawnOptions);
  child.unref();
  const state: LocalEsState = {
    name,
    version,
    pid: child.pid ?? 0,
    url: `http://127.0.0.1:${port}`,
    port,
    security: Boolean(password),
    ...(password ? { username: 'elastic', password } : {}),
    dir,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await waitUntilReady(state, options.readyTimeoutMs ?? 180_000);
  return state;
}

/** Stops the named instance (SIGTERM to its process group, SIGKILL after the grace period). */
export async function stopLocalEs(
  name = 'default',
  cacheDir = kilnCacheDir(),
  graceMs = 30_000,
): Promise<boolean> {
  const state = readLocalEsState(name, cacheDir);
  if (!state || !isAlive(state.pid)) return false;
  signalGroup(state.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(state.pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(state.pid)) signalGroup(state.pid, 'SIGKILL');
  while (isAlive(state.pid)) await sleep(100);
  return true;
}

/** Health of an instance: reachable, version and cluster status. */
export async function probe(
  state: Pick<LocalEsState, 'url' | 'username' | 'password'>,
): Promise<{ ok: boolean; version?: string; status?: string; reason?: string }> {
  const headers: Record<string, string> = {};
  if (state.username) {
    headers.authorization = `Basic ${Buffer.from(`${state.username}:${state.password ?? ''}`).toString('base64')}`;
  }
  try {
    // The minimal distribution has no `GET /` handler, so the version comes from the nodes info API.
    const nodes = await fetch(`${state.url}/_nodes/_local?filter_path=nodes.*.version`, {
      headers,
      signal: AbortSignal.timeout(2000),
    });
    if (!nodes.ok) return { ok: false, reason: `HTTP ${nodes.status}` };
    const info = (await nodes.json()) as { nodes?: Record<string, { version?: string }> };
    const version = Object.values(info.nodes ?? {})[0]?.version ?? 'unknown';
    const health = await fetch(`${state.url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
      headers,
      signal: AbortSignal.timeout(3000),
    });
    const body = (await health.json()) as { status?: string };
    const ok = health.ok && (body.status === 'green' || body.status === 'yellow');
    return { ok, version, status: body.status ?? 'unknown' };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

async function waitUntilReady(state: LocalEsState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(state.pid)) {
      throw new KilnError(
        'KILN_ERR_LOCAL_ES',
        `Elasticsearch exited while starting; last lines of ${join(state.dir, 'es.out')}: ${tailOf(join(state.dir, 'es.out'))}`,
      );
    }
    if ((await probe(state)).ok) return;
    await sleep(500);
  }
  signalGroup(state.pid, 'SIGKILL');
  throw new KilnError(
    'KILN_ERR_LOCAL_ES',
    `Elasticsearch did not become ready within ${timeoutMs / 1000} s; see ${join(state.dir, 'logs')}`,
  );
}

function prepareInstanceDir(
  home: string,
  dir: string,
  settings: { port: number; transportPort: number; security: boolean; fresh?: boolean | undefined },
): void {
  if (settings.fresh) rmSync(join(dir, 'data'), { recursive: true, force: true });
  rmSync(join(dir, 'config'), { recursive: true, force: true });
  for (const sub of ['data', 'logs', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  cpSync(join(home, 'config'), join(dir, 'config'), { recursive: true });
  copyFileSync(join(home, 'config', 'jvm.options'), join(dir, 'config', 'jvm.options'));
  // Settings: https://www.elastic.co/guide/en/elasticsearch/reference/8.19/important-settings.html
  const yml = [
    'cluster.name: kiln-local',
    'node.name: kiln-local',
    `path.data: ${join(dir, 'data')}`,
    `path.logs: ${join(dir, 'logs')}`,
    'network.host: 127.0.0.1',
    `http.port: ${settings.port}`,
    `transport.port: ${settings.transportPort}`,
    'discovery.type: single-node',
    // A dev machine's disk may be nearly full: never block writes on watermarks.
    'cluster.routing.allocation.disk.threshold_enabled: false',
    'action.destructive_requires_name: false',
    `xpack.security.enabled: ${settings.security}`,
    'http.max_content_length: 200mb',
  ];
  writeFileSync(join(dir, 'config', 'elasticsearch.yml'), `${yml.join('\n')}\n`);
}

function setBootstrapPassword(
  home: string,
  env: NodeJS.ProcessEnv,
  password: string,
  runAs: { uid: number; gid: number } | undefined,
): void {
  const keystore = join(home, 'bin', 'elasticsearch-keystore');
  const opts = { env, encoding: 'utf8' as const, ...(runAs ?? {}) };
  spawnSync(keystore, ['create'], opts);
  const added = spawnSync(keystore, ['add', '-x', '-f', 'bootstrap.password'], { ...opts, input: password });
  if (added.status !== 0) {
    throw new KilnError(
      'KILN_ERR_LOCAL_ES',
      `setting the elastic password failed: ${added.stderr || added.stdout}`,
    );
  }
}

/** Elasticsearch refuses to run as root: as root, run it as the system user `kiln-es`. */
function ensureServiceUser(dir: string): { uid: number; gid: number } {
  const lookup = () => spawnSync('id', ['-u', 'kiln-es'], { encoding: 'utf8' });
  let id = lookup();
  if (id.status !== 0) {
    const add = spawnSync(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'kiln-es'],
      {
        encoding: 'utf8',
      },
    );
    if (add.status !== 0) {
      throw new KilnError(
        'KILN_ERR_LOCAL_ES',
        `Elasticsearch cannot run as root and creating user kiln-es failed: ${add.stderr}`,
      );
    }
    id = lookup();
  }
  const uid = Number(id.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'kiln-es'], { encoding: 'utf8' }).stdout.trim());
  spawnSync('chown', ['-R', `${uid}:${gid}`, dir]);
  return { uid, gid };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join(' | ');
  } catch {
    return '(no output)';
  }
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
