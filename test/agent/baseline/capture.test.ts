/**
 * Capture and check on a real directory tree: every kind of change is reported exactly once,
 * with its attribute, before and after; allowlisted paths are not.
 */
import {
  appendFile,
  chmod,
  chown,
  lstat,
  readFile,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBaseline } from '../../../agent/baseline/capture.ts';
import { type CapturedTree, captureTree, makeSystemTree, treeRoots } from './fixture.ts';

const sha256Of = async (file: string) =>
  (await import('node:crypto'))
    .createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('baseline capture and check on a directory tree', () => {
  let root: string;
  let baseline: CapturedTree;
  const check = async (options: { extraAllowlist?: string[] } = {}) =>
    (await checkBaseline(baseline.info, { root, ...options })).differences;
  const inode = async (logical: string) => (await lstat(path.join(root, logical))).ino;

  beforeEach(async () => {
    root = await makeSystemTree();
    baseline = await captureTree(root, treeRoots, { nowMs: Date.UTC(2026, 0, 2) });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('records every entry with type, mode, owner, size, inode, sha256 and symlink target', async () => {
    expect(baseline.files['/usr/bin/tool']).toEqual({
      path: '/usr/bin/tool',
      ino: await inode('/usr/bin/tool'),
      type: 'file',
      mode: '0755',
      owner: 0,
      group: 0,
      size: 20,
      sha256: await sha256Of(path.join(root, '/usr/bin/tool')),
    });
    expect(baseline.files['/opt/app/current']).toEqual({
      path: '/opt/app/current',
      ino: await inode('/opt/app/current'),
      type: 'symlink',
      mode: '0777',
      owner: 0,
      group: 0,
      target: 'v1',
    });
    expect(baseline.files['/opt/app']).toMatchObject({ type: 'dir', mode: '0755' });
    // In walk order: a directory's subtree before its next sibling.
    expect(Object.keys(baseline.files)).toEqual([
      '/etc',
      '/etc/app.conf',
      '/etc/group',
      '/etc/nginx',
      '/etc/nginx/nginx.conf',
      '/etc/passwd',
      '/etc/ssh',
      '/etc/ssh/sshd_config',
      '/etc/systemd',
      '/etc/systemd/system',
      '/etc/systemd/system/multi-user.target.wants',
      '/etc/systemd/system/multi-user.target.wants/nginx.service',
      '/opt',
      '/opt/app',
      '/opt/app/current',
      '/opt/app/v1',
      '/opt/app/v1/run',
      '/opt/app/v2',
      '/opt/app/v2/run',
      '/usr/bin',
      '/usr/bin/other',
      '/usr/bin/tool',
    ]);
    // /etc/hostname is on the built-in allowlist: not captured, and the allowlist says so.
    expect(baseline.header.allowlist).toContain('/etc/hostname');
    expect(baseline.header.users).toEqual({
      root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash' },
      alice: { uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/bash' },
    });
    expect(baseline.header.groups.sudo).toEqual({ gid: 27, members: ['alice'] });
    expect(baseline.header.units).toEqual({
      'multi-user.target.wants/nginx.service': '/lib/systemd/system/nginx.service',
    });
    expect(baseline.header.authorizedKeys['/home/alice/.ssh/authorized_keys']!.keys).toEqual([
      expect.stringMatching(/^ssh-ed25519 SHA256:[A-Za-z0-9+/]{43} alice@laptop$/),
    ]);
    expect(Object.keys(baseline.header.packages).sort()).toEqual(['nginx:amd64', 'openssl:amd64']);
  });

  it('is clean when nothing changed, and the digest is stable across captures', async () => {
    expect(await check()).toEqual([]);
    const again = await captureTree(root, treeRoots, {
      nowMs: Date.UTC(2027, 0, 1),
      out: path.join(root, 'again'),
    });
    expect(again.digest).toBe(baseline.digest);
    expect(again.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('reports a changed byte, a mode, an owner, an added, a removed file and a new symlink target exactly', async () => {
    const before = baseline.files['/etc/app.conf']!.sha256!;
    await writeFile(path.join(root, '/etc/app.conf'), 'listen=8081\n');
    await chmod(path.join(root, '/usr/bin/tool'), 0o4755);
    await chown(path.join(root, '/usr/bin/other'), 1000, 1000);
    await writeFile(path.join(root, '/usr/bin/backdoor'), 'nc -l 4444\n');
    await unlink(path.join(root, '/etc/nginx/nginx.conf'));
    // Made beside it, then renamed over it: a new inode for certain (a freed one may be reused).
    await symlink('v2', path.join(root, '/opt/app/current.new'));
    await rename(path.join(root, '/opt/app/current.new'), path.join(root, '/opt/app/current'));
    // Allowlisted: the hostname and a new SSH host key are expected on a fresh instance.
    await writeFile(path.join(root, '/etc/hostname'), 'ip-10-0-0-12\n');
    await writeFile(path.join(root, '/etc/ssh/ssh_host_ed25519_key'), 'new host key\n');

    const linkInodeBefore = baseline.files['/opt/app/current']!.ino;
    const differences = await check();
    expect(differences).toEqual([
      {
        change: 'changed',
        category: 'file',
        path: '/etc/app.conf',
        attribute: 'sha256',
        before,
        after: await sha256Of(path.join(root, '/etc/app.conf')),
      },
      {
        change: 'removed',
        category: 'file',
        path: '/etc/nginx/nginx.conf',
        before: `file 0644 0:0 23 bytes sha256:${baseline.files['/etc/nginx/nginx.conf']!.sha256}`,
      },
      {
        change: 'changed',
        category: 'file',
        path: '/opt/app/current',
        attribute: 'inode',
        before: String(linkInodeBefore),
        after: String(await inode('/opt/app/current')),
      },
      {
        change: 'changed',
        category: 'file',
        path: '/opt/app/current',
        attribute: 'target',
        before: 'v1',
        after: 'v2',
      },
      {
        change: 'added',
        category: 'file',
        path: '/usr/bin/backdoor',
        after: `file 0644 0:0 11 bytes sha256:${await sha256Of(path.join(root, '/usr/bin/backdoor'))}`,
      },
      {
        change: 'changed',
        category: 'file',
        path: '/usr/bin/other',
        attribute: 'owner',
        before: '0',
        after: '1000',
      },
      {
        change: 'changed',
        category: 'file',
        path: '/usr/bin/other',
        attribute: 'group',
        before: '0',
        after: '1000',
      },
      {
        change: 'changed',
        category: 'file',
        path: '/usr/bin/tool',
        attribute: 'mode',
        before: '0755',
        after: '4755',
      },
    ]);
  });

  it('reports users, groups, units and authorized_keys, and honours allowlist globs for them', async () => {
    await appendFile(path.join(root, '/etc/passwd'), 'mallory:x:0:0::/root:/bin/sh\n');
    await writeFile(path.join(root, '/etc/group'), 'root:x:0:\nsudo:x:27:alice,mallory\n');
    await appendFile(
      path.join(root, '/home/alice/.ssh/authorized_keys'),
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ mallory\n',
    );
    await unlink(path.join(root, '/etc/systemd/system/multi-user.target.wants/nginx.service'));

    const differences = await check({ extraAllowlist: ['user:mallory', '/etc/passwd'] });
    const summary = differences.map((d) => [d.change, d.category, d.path, d.attribute ?? ''].join(' '));
    expect(summary).toEqual([
      'changed file /etc/group size',
      'changed file /etc/group sha256',
      'removed file /etc/systemd/system/multi-user.target.wants/nginx.service ',
      'removed unit multi-user.target.wants/nginx.service ',
      'changed group sudo members',
      'changed authorized_keys /home/alice/.ssh/authorized_keys keys',
    ]);
    expect(differences.find((d) => d.category === 'group')).toMatchObject({
      before: 'alice',
      after: 'alice,mallory',
    });
    expect(differences.at(-1)!.after).toMatch(/\nssh-rsa SHA256:\S+ mallory$/);
  });
});
