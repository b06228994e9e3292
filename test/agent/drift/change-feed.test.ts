/**
 * The change feed for real: dist/kiln-drift-feed-linux-<arch> (built by `npm run build` with Go)
 * on fanotify, which needs root (CAP_SYS_ADMIN); the suite runs as root. It reports each kind of
 * change under its roots and nothing outside them, alike as a child process and over its socket;
 * the drift source's checks fed by it find each change once (a same-size, same-mtime rewrite
 * included, at once rather than at the next full check) and hash only what changed, and when the
 * feed dies the next check walks the roots before any check trusts the feed again.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentConfigSchema } from '../../../agent/config.ts';
import { ChangeFeed } from '../../../agent/drift/change-feed.ts';
import { createDriftSource, type DriftCheckReport } from '../../../agent/drift/index.ts';
import { createLogger, silentLogger } from '../../../lib/log.ts';
import type { WireEvent } from '../../../lib/wire.ts';
import { captureTree, makeSystemTree, treeRoots } from '../baseline/fixture.ts';

const command = path.resolve(`dist/kiln-drift-feed-linux-${process.arch}`);

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition(), what).toBe(true);
}

describe('change feed', () => {
  let dir: string;
  const feeds: ChangeFeed[] = [];
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dir = realpathSync(await mkdtemp(path.join(tmpdir(), 'kiln-feed-')));
    await mkdir(path.join(dir, 'watched/sub'), { recursive: true });
    await writeFile(path.join(dir, 'watched/sub/file'), 'one\n');
  });
  afterEach(async () => {
    for (const f of feeds.splice(0)) f.stop();
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const open = (options: { socket?: string }) => {
    const states: string[] = [];
    const feed = new ChangeFeed({
      command,
      ...options,
      roots: [path.join(dir, 'watched')],
      logical: (real) => real.slice(dir.length),
      onChange: () => {},
      onState: (state, why) => states.push(why ? `${state}: ${why}` : state),
      log: silentLogger,
    });
    feeds.push(feed);
    feed.start();
    return { feed, states };
  };

  /** Makes one change of each kind under the root, and one outside it; returns what the feed took. */
  const changeAll = async (feed: ChangeFeed) => {
    const w = (p: string) => path.join(dir, 'watched', p);
    const taken = new Map<string, boolean>();
    const reported = (p: string) => {
      for (const [q, tree] of feed.take().changes) taken.set(q, tree || taken.get(q) === true);
      return taken.has(p);
    };
    await writeFile(w('new'), 'x\n');
    await chmod(w('sub/file'), 0o600);
    // A directory is named as it is when the feed reads the event: renamed first, the mode
    // change would be told as /watched/moved/file (a check walks the renamed tree either way).
    await waitFor(() => reported('/watched/sub/file'), 'the mode change is reported');
    await rename(w('sub'), w('moved'));
    await writeFile(path.join(dir, 'outside'), 'not watched\n');
    await waitFor(() => reported('/watched/moved'), 'the rename is reported');
    return Object.fromEntries(taken);
  };

  it('reports each kind of change under its roots, and nothing outside them', async () => {
    const { feed, states } = open({});
    await waitFor(() => states.length > 0, 'the feed started');
    expect(states).toEqual(['ready']);
    expect(await changeAll(feed)).toEqual({
      '/watched/new': true,
      '/watched/sub/file': false,
      '/watched/sub': true,
      '/watched/moved': true,
    });
  });

  it('serves the same feed over its socket, for the roots a connection names', async () => {
    const socket = path.join(dir, 'feed.sock');
    const server = spawn(command, ['--listen', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(server);
    await waitFor(() => {
      try {
        return realpathSync(socket) === socket;
      } catch {
        return false;
      }
    }, 'the socket is there');
    const { feed, states } = open({ socket });
    await waitFor(() => states.length > 0, 'the feed started');
    expect(states).toEqual(['ready']);
    expect(Object.keys(await changeAll(feed)).sort()).toEqual([
      '/watched/moved',
      '/watched/new',
      '/watched/sub',
      '/watched/sub/file',
    ]);
    // A connection that does not name its roots first is told why and closed.
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const conn = connect(socket, () => conn.write('hello\n'));
      conn.on('data', (d) => {
        text += d;
      });
      conn.on('close', () => resolve(text));
    });
    expect(answer).toBe('! failed: the first line must be: watch<TAB>ROOT…\n');
  });

  it('tells systemd it is ready once its socket is there (Type=notify)', async () => {
    // systemd's notify protocol: a datagram on the Unix socket NOTIFY_SOCKET names. Node has no
    // Unix datagram sockets; python3 binds one and prints what arrives.
    const notify = path.join(dir, 'notify.sock');
    const socket = path.join(dir, 'feed.sock');
    const listener = spawn(
      'python3',
      [
        '-c',
        'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("bound",flush=True)\nprint(s.recv(256).decode(),flush=True)',
        notify,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(listener);
    let heard = '';
    listener.stdout!.on('data', (d) => {
      heard += d;
    });
    await waitFor(() => heard.startsWith('bound'), 'the notify socket is bound');
    const server = spawn(command, ['--listen', socket], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NOTIFY_SOCKET: notify },
    });
    children.push(server);
    await waitFor(() => heard.includes('READY=1'), 'READY=1 arrives');
    expect(heard).toBe('bound\nREADY=1\n');
    expect(realpathSync(socket)).toBe(socket);
  });

  it('says it lost track when the kernel queue overflows, and the epoch a check trusts moves on', async () => {
    const lines: string[] = [];
    const log = createLogger('test', { level: 'info', sink: (line) => lines.push(line) });
    const feed = new ChangeFeed({
      command,
      roots: [path.join(dir, 'watched')],
      logical: (real) => real.slice(dir.length),
      onChange: () => {},
      log,
    });
    feeds.push(feed);
    feed.start();
    await waitFor(() => feed.take().ready, 'the feed is ready');
    const { epoch } = feed.take();
    // Stopped, the feed cannot read: fanotify's queue (16 384 events) overflows under 20 000
    // new files, and the kernel says so when the feed reads again.
    const pid = execFileSync('pgrep', ['-f', `${command} ${dir}/watched`], { encoding: 'utf8' }).trim();
    process.kill(Number(pid), 'SIGSTOP');
    try {
      await mkdir(path.join(dir, 'watched/many'));
      for (let i = 0; i < 20_000; i += 500) {
        await Promise.all(
          Array.from({ length: 500 }, (_, j) => writeFile(path.join(dir, `watched/many/${i + j}`), '')),
        );
      }
    } finally {
      process.kill(Number(pid), 'SIGCONT');
    }
    await waitFor(() => lines.some((l) => l.includes('lost track')), 'the overflow is told');
    const after = feed.take();
    expect(after.ready).toBe(true);
    expect(after.epoch).toBeGreaterThan(epoch);
    expect(JSON.parse(lines.find((l) => l.includes('lost track'))!)).toMatchObject({
      message: 'drift change feed lost track; the next check walks the roots',
      why: 'overflow',
    });
  });

  it('keeps alive while quiet, and is restarted (the epoch moving on) once it stops reading', async () => {
    const lines: string[] = [];
    const feed = new ChangeFeed({
      command,
      roots: [path.join(dir, 'watched')],
      logical: (real) => real.slice(dir.length),
      onChange: () => {},
      log: createLogger('test', { level: 'info', sink: (line) => lines.push(line) }),
      stallMs: 4_000,
      restartMs: 100,
    });
    feeds.push(feed);
    feed.start();
    await waitFor(() => feed.take().ready, 'the feed is ready');
    const pids = () =>
      execFileSync('pgrep', ['-f', `${command} ${dir}/watched`], { encoding: 'utf8' }).trim();
    const first = pids();
    // Nothing changes for longer than stallMs: the feed's keep-alive lines vouch for it.
    const { epoch } = feed.take();
    await new Promise((r) => setTimeout(r, 5_000));
    expect(feed.take()).toMatchObject({ ready: true, epoch });
    // Stopped, it writes nothing: the next take finds it stalled, and it is replaced.
    process.kill(Number(first), 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 5_000));
    const stalled = feed.take();
    expect(stalled.ready).toBe(false);
    expect(stalled.epoch).toBeGreaterThan(epoch);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({
        message: 'drift change feed ended; restarting it',
        why: expect.stringMatching(/^it wrote nothing for \d+ s \(stopped or hung\)$/),
      }),
    );
    await waitFor(() => feed.take().ready, 'a new feed is ready');
    expect(pids()).not.toBe(first);
  }, 30_000);

  it('says why when it cannot run', async () => {
    const states: string[] = [];
    const feed = new ChangeFeed({
      command: path.join(dir, 'no-such-feed'),
      roots: [path.join(dir, 'watched')],
      logical: (real) => real,
      onChange: () => {},
      onState: (state, why) => states.push(`${state}: ${why}`),
      log: silentLogger,
    });
    feeds.push(feed);
    feed.start();
    await waitFor(() => states.length > 0, 'the failure is told');
    expect(states).toEqual([expect.stringMatching(/^failed: .*ENOENT/)]);
  });
});

describe('drift source fed by the change feed', () => {
  let root: string;
  let stateDir: string;

  beforeEach(async () => {
    root = realpathSync(await makeSystemTree());
    stateDir = await mkdtemp(path.join(tmpdir(), 'kiln-state-'));
    await captureTree(root, treeRoots);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  it('finds each change once, hashing only what changed, and walks again after the feed died', async () => {
    const config = agentConfigSchema.parse({
      collector: { url: 'https://collector.example', enrollmentToken: { env: 'KILN_TOKEN' } },
      stateDir,
      drift: { intervalMs: 3_600_000, watchDebounceMs: 50 },
    });
    const events: WireEvent[] = [];
    const reports: DriftCheckReport[] = [];
    let feeding = 0;
    const source = createDriftSource(
      config,
      { instanceId: 'i-0feed', hostname: 'web-1', bootId: 'b' },
      silentLogger,
      {
        root,
        procDir: path.join(root, 'no-proc'),
        changeFeed: { command, socket: path.join(stateDir, 'no-socket') },
        observe: (what, report) => {
          if (what === 'feeding') feeding++;
          if (report) reports.push(report);
        },
      },
    );
    await source.start({
      push: async (event, onDurable) => {
        events.push(event as WireEvent);
        onDurable();
      },
    });
    try {
      await waitFor(() => reports.length === 1, 'the first check');
      expect(feeding).toBe(1);
      expect(reports[0]).toMatchObject({ reason: 'start', fed: false, full: true, differences: 0 });

      // Same size, same mtime, other content: found by the next check, not the next full one.
      const conf = path.join(root, 'etc/app.conf');
      const before = await stat(conf);
      await writeFile(conf, 'listen=9090\n');
      await utimes(conf, before.atime, before.mtime);
      await waitFor(() => events.length === 1, 'the rewrite is sent');
      expect(events[0]).toMatchObject({ kiln: { drift: { path: '/etc/app.conf', attribute: 'sha256' } } });
      expect(reports.at(-1)).toMatchObject({ fed: true, full: false, hashed: 1, differences: 1, sent: 1 });

      // The feed dies: the next check walks (it cannot vouch for the time it was down).
      const checks = reports.length;
      execFileSync('pkill', ['-KILL', '-f', `${command} ${root}`]);
      await waitFor(() => feeding === 2 && reports.length > checks, 'a walk once the feed is back');
      expect(reports.at(-1)).toMatchObject({
        reason: 'change feed ready',
        fed: false,
        differences: 1,
        sent: 0,
      });

      await chmod(path.join(root, 'usr/bin/tool'), 0o700);
      await waitFor(() => events.length === 2, 'the mode change is sent');
      expect(events[1]).toMatchObject({ kiln: { drift: { path: '/usr/bin/tool', attribute: 'mode' } } });
      // The earlier difference is still reported; the one file reported was hashed, no other.
      expect(reports.at(-1)).toMatchObject({ fed: true, hashed: 1, differences: 2, sent: 1 });
    } finally {
      await source.stop();
    }
  });
});
