/**
 * A bake workspace for the integration tests: a Packer `null` builder template that reaches the
 * test sshd, a playbook, an agent config and a bake config that installs everything under an
 * image-root directory (so the machine's own /etc is never touched), and a runner for the real
 * `kiln` CLI bundle.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestSshd } from '../support/sshd.ts';

/** Paths of one workspace. */
export interface BakeWorkspace {
  dir: string;
  imageRoot: string;
  config: string;
  template: string;
  playbook: string;
  outputDir: string;
  /** The workspace's own copy of the agent executable (a rebuild of dist/ mid-test must not change the key). */
  agentExecutable: string;
}

/** The shipped agent executable for this machine (built by the test run's global setup). */
const distAgentExecutable = resolve(`dist/kiln-agent-linux-${process.arch}`);

/** The playbook: writes an application file under the image root (and fails on request). */
export function playbookText(options: { marker: string; failingTask?: boolean }): string {
  const tasks = [
    '    - name: write the application config',
    '      ansible.builtin.copy:',
    '        dest: "{{ kiln_image_root }}/etc/app.conf"',
    `        content: "marker=${options.marker}\\n"`,
  ];
  if (options.failingTask) {
    tasks.push('    - name: fail here', '      ansible.builtin.command: /bin/false');
  }
  return ['- hosts: all', '  gather_facts: false', '  tasks:', ...tasks, ''].join('\n');
}

/** Creates a workspace whose template reaches `sshd`. */
export function createWorkspace(sshd: TestSshd): BakeWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bake-'));
  const imageRoot = join(dir, 'image-root');
  mkdirSync(join(imageRoot, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'playbook'), { recursive: true });
  const template = join(dir, 'template.json');
  const builder: Record<string, unknown> = {
    type: 'null',
    communicator: 'ssh',
    ssh_host: sshd.host,
    ssh_port: sshd.port,
    ssh_username: sshd.user,
    ssh_private_key_file: sshd.privateKeyFile,
  };
  writeFileSync(
    template,
    `${JSON.stringify({ variables: { source_image: 'ami-0aaaabbbbccccdddd' }, builders: [builder] }, null, 2)}\n`,
  );
  const playbook = join(dir, 'playbook', 'site.yml');
  writeFileSync(playbook, playbookText({ marker: 'one' }));
  writeFileSync(
    join(dir, 'agent.yaml'),
    [
      'collector:',
      '  url: https://collector.example:8443',
      '  enrollmentToken:',
      '    userData:',
      '      key: kiln_enrollment_token',
      'drift:',
      '  roots: [/etc, /usr/local/lib/kiln]',
      'shutdown:',
      '  deadlineMs: 20000',
      '',
    ].join('\n'),
  );
  const agentExecutable = join(dir, 'kiln-agent');
  copyFileSync(distAgentExecutable, agentExecutable);
  // Its source map, beside it as the build leaves it.
  copyFileSync(join(dirname(distAgentExecutable), 'kiln-agent.cjs.map'), join(dir, 'kiln-agent.cjs.map'));
  // And the drift change feed, beside it as the build leaves it (found there by default).
  copyFileSync(
    join(dirname(distAgentExecutable), `kiln-drift-feed-linux-${process.arch}`),
    join(dir, `kiln-drift-feed-linux-${process.arch}`),
  );
  const outputDir = join(dir, 'out');
  const config = join(dir, 'bake.yaml');
  writeFileSync(
    config,
    [
      'template: template.json',
      'playbook: playbook/site.yml',
      'sourceImage: ami-0aaaabbbbccccdddd',
      'imageName: web',
      'imageVersion: "1.0.0"',
      `imageRoot: ${imageRoot}`,
      'sudo: false',
      'outputDir: out',
      'agent:',
      '  configFile: agent.yaml',
      `  executable: ${agentExecutable}`,
      '  afterUnits: [app.service]',
      '',
    ].join('\n'),
  );
  return { dir, imageRoot, config, template, playbook, outputDir, agentExecutable };
}

/** What a CLI run gave. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/kiln.js <args>` (CI=true: plain progress lines). */
export function runKiln(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve('dist/kiln.js'), ...args], {
      env: { ...process.env, CI: 'true', KILN_ES_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}
