/**
 * The demo bake's "machine" (and the bake tests' and bench's, test/support/sshd.ts): an OpenSSH server on 127.0.0.1 and a free port, with a throwaway
 * ed25519 host key and user key (Packer 1.6.6 signs RSA keys with SHA-1, which current OpenSSH
 * refuses), that a Packer `null` builder provisions over SSH. It needs `/usr/sbin/sshd` and its
 * privilege-separation directory; when either is missing the demo records its bake instead.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { KilnError } from '../../lib/errors.ts';
import { freePort } from '../../lib/local-es/index.ts';

/** A running sshd and how to log in to it. */
export interface DemoSshd {
  host: string;
  port: number;
  user: string;
  privateKeyFile: string;
  /** Stops sshd; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts sshd in `dir` (keys, config, pid file) and waits for its SSH banner (at most `readyMs`). */
export async function startDemoSshd(dir: string, readyMs = 10_000): Promise<DemoSshd> {
  if (!existsSync('/usr/sbin/sshd')) throw new KilnError('KILN_ERR_MISSING_TOOL', 'no /usr/sbin/sshd');
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const userKey = join(dir, 'id_ed25519');
  for (const key of [hostKey, userKey]) {
    rmSync(key, { force: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kiln-demo', '-f', key]);
  }
  writeFileSync(join(dir, 'authorized_keys'), execFileSync('cat', [`${userKey}.pub`]));
  // sshd refuses to start without its privilege-separation directory (root can create it).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  const deadline = Date.now() + readyMs;
  while (!(await answersSsh(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new KilnError(
        'KILN_ERR_MISSING_TOOL',
        `sshd did not start: ${stderr.trim().split('\n').pop() ?? ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: '127.0.0.1', port, user: userInfo().username, privateKeyFile: userKey, stop };
}

/** True when something on the port greets with an SSH banner. */
function answersSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
