/** A small system tree made by the tests: files, a symlink, accounts, a dpkg database, units. */
import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A dpkg status database: two installed packages and one removed (config files only). */
export const dpkgStatus = `Package: openssl
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 3.0.15-1~deb12u1
Description: Secure Sockets Layer toolkit
 multi-line description

Package: nginx
Status: install ok installed
Architecture: amd64
Version: 1.22.1-9

Package: telnet
Status: deinstall ok config-files
Architecture: amd64
Version: 0.17+2.4-2
`;

/** Builds the tree and returns its root. */
export async function makeSystemTree(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'kiln-tree-'));
  const put = async (logical: string, content: string, mode = 0o644) => {
    const real = path.join(root, logical);
    await mkdir(path.dirname(real), { recursive: true });
    await writeFile(real, content);
    await chmod(real, mode);
  };
  await put('/etc/nginx/nginx.conf', 'worker_processes auto;\n');
  await put('/etc/app.conf', 'listen=8080\n');
  await put('/etc/hostname', 'bake-host\n');
  await put('/etc/ssh/sshd_config', 'PasswordAuthentication no\n');
  await put('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  await put('/etc/group', 'root:x:0:\nsudo:x:27:alice\n');
  await put('/usr/bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  await put('/usr/bin/other', '#!/bin/sh\necho other\n', 0o755);
  await put('/opt/app/v1/run', 'v1\n', 0o755);
  await put('/opt/app/v2/run', 'v2\n', 0o755);
  await symlink('v1', path.join(root, '/opt/app/current'));
  await put('/var/lib/dpkg/status', dpkgStatus);
  await put(
    '/home/alice/.ssh/authorized_keys',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBake alice@laptop\n',
    0o600,
  );
  await put('/lib/systemd/system/nginx.service', '[Unit]\n');
  await mkdir(path.join(root, '/etc/systemd/system/multi-user.target.wants'), { recursive: true });
  await symlink(
    '/lib/systemd/system/nginx.service',
    path.join(root, '/etc/systemd/system/multi-user.target.wants/nginx.service'),
  );
  return root;
}

/** The roots the tests capture. */
export const treeRoots = ['/etc', '/usr/bin', '/opt'];

/** A captured baseline with its entries read back into a record (small trees only). */
export interface CapturedTree {
  info: import('../../../agent/baseline/types.ts').BaselineInfo;
  digest: string;
  header: import('../../../agent/baseline/types.ts').BaselineHeader;
  files: Record<string, import('../../../agent/baseline/types.ts').FileEntry>;
}

/** Captures `roots` under `root` into `out` (default `<root>/etc/kiln/baseline.json`) and reads it back. */
export async function captureTree(
  root: string,
  roots: readonly string[],
  options: { nowMs?: number; out?: string; dpkgAdminDir?: string; allowlist?: string[]; jobs?: number } = {},
): Promise<CapturedTree> {
  const { captureBaseline } = await import('../../../agent/baseline/capture.ts');
  const { baselineEntries, openBaseline } = await import('../../../agent/baseline/baseline-file.ts');
  const out = options.out ?? path.join(root, 'etc/kiln/baseline.json');
  await captureBaseline({
    root,
    roots,
    nowMs: options.nowMs ?? 0,
    out,
    ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
    allowlist: ['/etc/kiln/**', ...(options.allowlist ?? [])],
    ...(options.dpkgAdminDir ? { dpkgAdminDir: options.dpkgAdminDir } : {}),
  });
  const info = await openBaseline(out);
  const files: CapturedTree['files'] = {};
  for await (const e of baselineEntries(info)) files[e.path] = e;
  return { info, digest: info.digest, header: info.header, files };
}
