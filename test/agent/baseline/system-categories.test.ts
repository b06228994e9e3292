/**
 * What a file walk cannot see: a loaded kernel module the image does not ship, a new listening
 * socket (a real one, read from this machine's /proc/net/tcp), and a package file that no
 * longer matches its package's md5sums in a test dpkg admindir.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBaseline } from '../../../agent/baseline/capture.ts';
import { compareModules, imageModules, parseProcModules } from '../../../agent/baseline/modules.ts';
import { decodeAddress, parseNetTable, readListeningSockets } from '../../../agent/baseline/sockets.ts';
import { driftSeverity } from '../../../lib/drift-severity.ts';
import { captureTree, makeSystemTree } from './fixture.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('drift a file walk cannot see', () => {
  let root: string;
  let procDir: string;

  beforeEach(async () => {
    root = await makeSystemTree();
    procDir = path.join(root, 'fake-proc');
    await mkdir(path.join(procDir, 'net'), { recursive: true });
    const kernel = path.join(root, 'lib/modules/6.1.0-kiln/kernel');
    await mkdir(path.join(kernel, 'drivers/net'), { recursive: true });
    await writeFile(path.join(kernel, 'drivers/net/virtio_net.ko.xz'), 'module');
    await writeFile(path.join(kernel, 'drivers/net/ena.ko'), 'module');
    await writeFile(path.join(root, 'lib/modules/6.1.0-kiln/modules.builtin'), 'kernel/fs/ext4/ext4.ko\n');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists the modules an image ships and reports a loaded one it does not, as critical drift', async () => {
    expect(await imageModules(root)).toEqual(['ena', 'ext4', 'virtio_net']);
    const baseline = await captureTree(root, ['/usr/bin']);
    expect(baseline.header.modules).toEqual(['ena', 'ext4', 'virtio_net']);
    // /proc/modules as the kernel writes it: name size refcount deps state address.
    await writeFile(
      path.join(procDir, 'modules'),
      'virtio_net 61440 0 - Live 0xffffffffc0a00000\nrootkit 16384 1 - Live 0xffffffffc0b00000 (OE)\nena 139264 0 - Live 0xffffffffc0c00000\n',
    );
    const { differences } = await checkBaseline(baseline.info, { root, procDir });
    expect(differences).toEqual([
      {
        change: 'added',
        category: 'module',
        path: 'rootkit',
        before: 'not in the image',
        after: 'loaded (16384 bytes)',
      },
    ]);
    expect(driftSeverity(differences[0]!)).toBe('critical');
    const allowed = await checkBaseline(baseline.info, { root, procDir, extraAllowlist: ['module:rootkit'] });
    expect(allowed.differences).toEqual([]);
  });

  it('parses /proc/modules and compares names, dashes read as underscores', () => {
    expect(parseProcModules('snd_hda 1000 0 - Live 0x0\n\n')).toEqual([{ name: 'snd_hda', size: 1000 }]);
    expect(compareModules(['snd_hda'], [{ name: 'snd_hda', size: 1 }])).toEqual([]);
  });

  describe('listening sockets', () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      server = undefined;
    });

    it('sees a real listening TCP socket in /proc/net/tcp and reports it as new since first boot', async () => {
      const firstBoot = await readListeningSockets('/proc');
      server = createServer();
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      const name = `tcp/127.0.0.1:${port}`;
      expect(firstBoot[name]).toBeUndefined();
      const now = await readListeningSockets('/proc');
      expect(now[name]).toBe(`listening uid=${process.getuid!()}`);

      const baseline = await captureTree(root, ['/usr/bin']);
      const { differences } = await checkBaseline(baseline.info, {
        root,
        procDir: '/proc',
        socketsAtFirstBoot: firstBoot,
      });
      const added = differences.filter((d) => d.category === 'socket' && d.change === 'added');
      expect(added).toEqual([
        {
          change: 'added',
          category: 'socket',
          path: name,
          before: 'not listening at first boot',
          after: `listening uid=${process.getuid!()}`,
        },
      ]);
      expect(driftSeverity(added[0]!)).toBe('high');
    });

    it('parses tcp, tcp6 and udp tables in the kernel format', async () => {
      const header =
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
      const tcp = `${header}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 100 0 0 10 0\n   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 1002 1 0 20 4 30 10 -1\n`;
      const tcp6 = `${header}   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0 100 0 0 10 0\n`;
      const udp = `${header}  12: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3001 2 0 0\n`;
      expect(parseNetTable('tcp', tcp)).toEqual({ 'tcp/127.0.0.1:8080': 'listening uid=0' });
      expect(parseNetTable('tcp6', tcp6)).toEqual({ 'tcp6/[::1]:22': 'listening uid=0' });
      expect(parseNetTable('udp', udp)).toEqual({ 'udp/0.0.0.0:68': 'listening uid=0' });
      expect(decodeAddress('0101A8C0', false)).toBe('192.168.1.1');
      await writeFile(path.join(procDir, 'net/tcp'), tcp);
      await writeFile(path.join(procDir, 'net/udp'), udp);
      expect(await readListeningSockets(procDir)).toEqual({
        'tcp/127.0.0.1:8080': 'listening uid=0',
        'udp/0.0.0.0:68': 'listening uid=0',
      });
      // This machine's own table parses: every TCP line in state 0A is one listening socket.
      const real = readFileSync('/proc/net/tcp', 'utf8');
      const listening = real.split('\n').filter((l) => l.trim().split(/\s+/)[3] === '0A');
      const ports = new Set(listening.map((l) => l.trim().split(/\s+/)[1]));
      expect(Object.keys(parseNetTable('tcp', real)).length).toBe(ports.size);
    });
  });

  it('reports a package file that no longer matches its md5sums, naming the package', async () => {
    const adminDir = path.join(root, 'var/lib/dpkg');
    await mkdir(path.join(adminDir, 'info'), { recursive: true });
    const tool = readFileSync(path.join(root, 'usr/bin/tool'), 'utf8');
    const other = readFileSync(path.join(root, 'usr/bin/other'), 'utf8');
    await writeFile(
      path.join(adminDir, 'info/tools.md5sums'),
      `${md5(tool)}  usr/bin/tool\n${md5(other)}  usr/bin/other\n`,
    );
    const baseline = await captureTree(root, ['/usr/bin'], { dpkgAdminDir: adminDir });
    expect(
      (await checkBaseline(baseline.info, { root, dpkgAdminDir: adminDir, procDir })).differences,
    ).toEqual([]);

    await writeFile(path.join(root, 'usr/bin/tool'), '#!/bin/sh\necho owned\n');
    const { differences } = await checkBaseline(baseline.info, { root, dpkgAdminDir: adminDir, procDir });
    expect(differences.map((d) => `${d.change} ${d.category} ${d.path} ${d.attribute}`)).toEqual([
      'changed file /usr/bin/tool size',
      'changed file /usr/bin/tool sha256',
      'changed package_file /usr/bin/tool md5',
    ]);
    expect(differences[2]).toMatchObject({
      before: `${md5(tool)} (package tools)`,
      after: md5('#!/bin/sh\necho owned\n'),
    });
  });
});
