/**
 * A check of only the paths the change feed reported gives exactly what a full walk of the same
 * tree gives (the walk is the oracle), keeps the earlier differences of paths not reported,
 * drops those of paths put back, and hashes only the files it was told about.
 */
import { chmod, mkdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileAllowlist } from '../../../agent/baseline/allowlist.ts';
import { checkBaseline } from '../../../agent/baseline/capture.ts';
import type { HashStats } from '../../../agent/baseline/scan.ts';
import { checkChanged, regionMatcher, regionsOf } from '../../../agent/drift/fed-check.ts';
import { type CapturedTree, captureTree, makeSystemTree, treeRoots } from '../baseline/fixture.ts';

describe('fed check', () => {
  let root: string;
  let baseline: CapturedTree;
  const at = (p: string) => path.join(root, p);
  const spec = () => ({ root, procDir: at('no-proc'), dpkgAdminDir: at('var/lib/dpkg') });

  beforeEach(async () => {
    root = await makeSystemTree();
    await writeFile(at('/opt/app/v2/lib.so'), 'library\n');
    baseline = await captureTree(root, treeRoots);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('gives what a full walk gives, hashing only the reported files', async () => {
    // Found by a walk first: one to keep (not reported again), one to put back later.
    await chmod(at('/etc/nginx/nginx.conf'), 0o600);
    await writeFile(at('/usr/bin/other'), '#!/bin/sh\necho OTHER\n');
    const walked = await checkBaseline(baseline.info, spec());
    const previous = walked.differences.filter((d) => d.category === 'file');
    expect(previous.map((d) => `${d.path} ${d.attribute}`)).toEqual([
      '/etc/nginx/nginx.conf mode',
      '/usr/bin/other sha256',
    ]);

    // Same size, same mtime, other content: a stat cache would miss it.
    const conf = await stat(at('/etc/app.conf'));
    await writeFile(at('/etc/app.conf'), 'listen=9090\n');
    await utimes(at('/etc/app.conf'), conf.atime, conf.mtime);
    await chmod(at('/usr/bin/tool'), 0o700);
    await rename(at('/opt/app/v2'), at('/opt/app/v3'));
    await rm(at('/etc/hostname')); // allowlisted (set at first boot): not a difference
    await rm(at('/etc/ssh/sshd_config'));
    await writeFile(at('/usr/bin/new'), 'new\n');
    // Re-pointed as a deploy does (a new link renamed over the old one), so the new link never
    // gets the old one's freed inode number: its inode changes as well as its target.
    await symlink('v3', at('/opt/app/current.new'));
    await rename(at('/opt/app/current.new'), at('/opt/app/current'));
    await mkdir(at('/etc/kiln'), { recursive: true });
    await writeFile(at('/etc/kiln/extra'), 'allowlisted\n');
    await writeFile(at('/usr/bin/other'), '#!/bin/sh\necho other\n');

    const counters: HashStats = { hashed: 0, cached: 0, bytesRead: 0 };
    const fed = await checkChanged(baseline.info, {
      ...spec(),
      counters,
      previous,
      changes: new Map([
        ['/etc/app.conf', false],
        ['/usr/bin/tool', false],
        ['/opt/app/v2', true],
        ['/opt/app/v3', true],
        ['/etc/hostname', true],
        ['/etc/ssh/sshd_config', true],
        ['/usr/bin/new', true],
        ['/opt/app/current', true],
        ['/usr/bin/other', false],
        ['/etc/kiln/extra', true],
        ['/var/lib/dpkg/status', false],
      ]),
    });
    const full = await checkBaseline(baseline.info, spec());
    expect(fed.differences).toEqual(full.differences);
    expect(fed.differences.map((d) => `${d.change} ${d.path} ${d.attribute ?? ''}`.trim())).toEqual([
      'changed /etc/app.conf sha256',
      'changed /etc/nginx/nginx.conf mode',
      'removed /etc/ssh/sshd_config',
      'changed /opt/app/current inode',
      'changed /opt/app/current target',
      'removed /opt/app/v2',
      'removed /opt/app/v2/lib.so',
      'removed /opt/app/v2/run',
      'added /opt/app/v3',
      'added /opt/app/v3/lib.so',
      'added /opt/app/v3/run',
      'added /usr/bin/new',
      'changed /usr/bin/tool mode',
    ]);
    // app.conf, tool, v3/run, v3/lib.so, new, other: the reported files, nothing else.
    expect(counters.hashed).toBe(6);
  });

  it('compares again only paths under a root, outside the allowlist, none twice', () => {
    const allowlist = compileAllowlist(['/etc/kiln/**', '/etc/ssh/ssh_host_*', '/opt/cache']);
    const regions = regionsOf(
      new Map([
        ['/opt/app', true],
        ['/opt/app/v1/run', false],
        ['/opt/cache/x', false],
        ['/etc/kiln/state', false],
        ['/etc/ssh/ssh_host_rsa_key', false],
        ['/etc/ssh/sshd_config', false],
        ['/etc', false],
        ['/var/log/syslog', false],
      ]),
      ['/etc', '/opt'],
      allowlist,
    );
    expect(regions).toEqual([
      { path: '/etc', subtree: false },
      { path: '/etc/ssh/sshd_config', subtree: false },
      { path: '/opt/app', subtree: true },
    ]);
    const inside = regionMatcher(regions);
    expect(
      ['/etc', '/etc/hostname', '/etc/ssh/sshd_config', '/opt', '/opt/app', '/opt/app/v1/run', '/opt/b'].map(
        inside,
      ),
    ).toEqual([true, false, true, false, true, true, false]);
  });
});
