/** Packages read from a dpkg status database in a test directory (dpkg --admindir style). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBaseline } from '../../../agent/baseline/capture.ts';
import { parseDpkgStatus, parseRpmList, readInstalledPackages } from '../../../agent/baseline/packages.ts';
import { captureTree, dpkgStatus, makeSystemTree } from './fixture.ts';

describe('parseDpkgStatus', () => {
  it('keeps installed packages only, with name, version and architecture', () => {
    expect(parseDpkgStatus(dpkgStatus)).toEqual([
      { name: 'openssl', version: '3.0.15-1~deb12u1', arch: 'amd64', manager: 'dpkg' },
      { name: 'nginx', version: '1.22.1-9', arch: 'amd64', manager: 'dpkg' },
    ]);
  });

  it.each([
    ['half-installed', 'Package: a\nStatus: install ok half-installed\nVersion: 1\nArchitecture: all\n', 0],
    ['unpacked', 'Package: a\nStatus: install ok unpacked\nVersion: 1\nArchitecture: all\n', 0],
    ['installed, on hold', 'Package: a\nStatus: hold ok installed\nVersion: 1\nArchitecture: all\n', 1],
    ['empty file', '', 0],
  ])('%s counts %d package(s)', (_label, text, count) => {
    expect(parseDpkgStatus(text)).toHaveLength(count);
  });
});

describe('parseRpmList', () => {
  it('reads name, epoch:version-release and arch, dropping epoch 0 and gpg-pubkey', () => {
    expect(
      parseRpmList(
        'bash\t0:5.2.15-3.el9\tx86_64\nopenssl\t1:3.0.7-27.el9\tx86_64\ngpg-pubkey\t0:fd431d51-4ae0493b\t(none)\n',
      ),
    ).toEqual([
      { name: 'bash', version: '5.2.15-3.el9', arch: 'x86_64', manager: 'rpm' },
      { name: 'openssl', version: '1:3.0.7-27.el9', arch: 'x86_64', manager: 'rpm' },
    ]);
  });
});

describe('packages from an admindir', () => {
  let root: string;
  let adminDir: string;

  beforeEach(async () => {
    root = await makeSystemTree();
    adminDir = await mkdtemp(path.join(tmpdir(), 'kiln-dpkg-'));
    await writeFile(path.join(adminDir, 'status'), dpkgStatus);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(adminDir, { recursive: true, force: true });
  });

  it('reads the status database of the given directory', async () => {
    expect(await readInstalledPackages({ dpkgAdminDir: adminDir })).toEqual({
      'openssl:amd64': { name: 'openssl', version: '3.0.15-1~deb12u1', arch: 'amd64', manager: 'dpkg' },
      'nginx:amd64': { name: 'nginx', version: '1.22.1-9', arch: 'amd64', manager: 'dpkg' },
    });
  });

  it('reports an upgraded, a removed and an installed package; an allowlisted one is not', async () => {
    const baseline = await captureTree(root, ['/usr/bin'], { dpkgAdminDir: adminDir });
    const upgraded = dpkgStatus
      .replace('Version: 3.0.15-1~deb12u1', 'Version: 3.0.16-1~deb12u1')
      .replace(
        'Package: nginx\nStatus: install ok installed',
        'Package: nginx\nStatus: deinstall ok config-files',
      )
      .replace(
        'Package: telnet\nStatus: deinstall ok config-files',
        'Package: telnet\nStatus: install ok installed',
      );
    await writeFile(
      path.join(adminDir, 'status'),
      `${upgraded}\nPackage: netcat-openbsd\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.219-1\n`,
    );

    const { differences } = await checkBaseline(baseline.info, {
      root,
      dpkgAdminDir: adminDir,
      extraAllowlist: ['package:telnet'],
    });
    expect(differences).toEqual([
      { change: 'added', category: 'package', path: 'netcat-openbsd:amd64', after: '1.219-1' },
      { change: 'removed', category: 'package', path: 'nginx:amd64', before: '1.22.1-9' },
      {
        change: 'changed',
        category: 'package',
        path: 'openssl:amd64',
        attribute: 'version',
        before: '3.0.15-1~deb12u1',
        after: '3.0.16-1~deb12u1',
      },
    ]);
  });
});
