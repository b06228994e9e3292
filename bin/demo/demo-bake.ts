/**
 * The demo's bake, so the Bakes and lineage dashboard and `kiln images` have something to show.
 * When Packer, Ansible and sshd are on the machine it is a real `kiln bake`: a Packer `null`
 * builder over SSH to a local sshd (bin/demo/demo-sshd.ts), the agent installed and the baseline
 * captured under an image root in the demo's directory, the bake recorded in Elasticsearch. It
 * runs beside the agents' warm-up. Without them the demo writes one bake document itself and
 * says so in it: its id starts with `demo-recorded-`, its template and message say no bake ran
 * and why, and `kiln.bake.inputs.recorded_by` is `kiln demo`.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { openBakeStore } from '../../bake/index.ts';
import { bakeRecord } from '../../bake/store/record.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { type DemoSshd, startDemoSshd } from './demo-sshd.ts';
import { entryOf, spawnKiln } from './processes.ts';

/** What the demo bake needs from the demo. */
export interface DemoBakeContext {
  workDir: string;
  esUrl: string;
  client: Client;
  names: IndexNames;
  say: (line: string) => void;
}

/** How the demo bake ended: a real bake (succeeded or failed, both recorded by `kiln bake`) or a recorded one. */
export type DemoBakeOutcome =
  | { kind: 'baked'; status: 'succeeded' | 'failed'; bakeId?: string; logFile: string }
  | { kind: 'recorded'; bakeId: string; reason: string };

/** The image name and version the demo bakes (the demo instances run `shop-base` too). */
const imageName = 'shop-base';

/** The self-contained agent executable the bake installs: dist/kiln-agent-linux-<arch> of this kiln. */
export function demoAgentExecutable(): string {
  const dir = dirname(entryOf('kiln'));
  const name = `kiln-agent-linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`;
  return dir.endsWith('dist') ? join(dir, name) : resolve(dir, '../dist', name);
}

/** Why a real bake cannot run here, or undefined when it can. */
export function missingForRealBake(
  has: (tool: string) => boolean = onPath,
  exists: (file: string) => boolean = existsSync,
): string | undefined {
  const missing = ['packer', 'ansible-playbook', 'ssh-keygen'].filter((tool) => !has(tool));
  if (missing.length > 0) return `${missing.join(', ')} not installed`;
  const executable = demoAgentExecutable();
  if (!exists(executable)) return `the agent executable ${executable} is not built (npm run build)`;
  return undefined;
}

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

/** Starts the demo bake in the background; `done` says how it ended. */
export function startDemoBake(
  context: DemoBakeContext,
  missing: string | undefined = missingForRealBake(),
): { done: Promise<DemoBakeOutcome> } {
  if (missing) return { done: recordBake(context, missing) };
  return { done: realBake(context).catch((error: Error) => recordBake(context, error.message)) };
}

async function realBake(context: DemoBakeContext): Promise<DemoBakeOutcome> {
  const dir = join(context.workDir, 'bake');
  const sshd = await startDemoSshd(join(dir, 'sshd'));
  try {
    const config = writeBakeWorkspace(dir, sshd);
    const logFile = join(dir, 'bake.log');
    const args = [
      'bake',
      '--config',
      config,
      '--es-url',
      context.esUrl,
      '--index-prefix',
      context.names.prefix,
    ];
    const child = spawnKiln('kiln', args, logFile);
    // The bake yields the CPU to the agents warming up beside it (Packer and Ansible inherit
    // the niceness): on a small machine their facts must still arrive before the report.
    if (child.pid) setPriority(child.pid, 19);
    const code = await exitOf(child, 300_000);
    const output = readFileSync(logFile, 'utf8');
    const bakeId = /bake (\S+) (?:succeeded|failed)/.exec(output)?.[1];
    return {
      kind: 'baked',
      status: code === 0 ? 'succeeded' : 'failed',
      ...(bakeId ? { bakeId } : {}),
      logFile,
    };
  } finally {
    sshd.stop();
  }
}

/** Writes the Packer template, playbook, agent config and bake config; returns the bake config. */
function writeBakeWorkspace(dir: string, sshd: DemoSshd): string {
  const imageRoot = join(dir, 'image-root');
  mkdirSync(join(imageRoot, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'playbook'), { recursive: true });
  const builder = {
    type: 'null',
    communicator: 'ssh',
    ssh_host: sshd.host,
    ssh_port: sshd.port,
    ssh_username: sshd.user,
    ssh_private_key_file: sshd.privateKeyFile,
  };
  writeFileSync(join(dir, 'template.json'), `${JSON.stringify({ builders: [builder] }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'playbook', 'site.yml'),
    [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      '    - name: write the shop configuration',
      '      ansible.builtin.copy:',
      '        dest: "{{ kiln_image_root }}/etc/shop.conf"',
      '        content: "listen = 0.0.0.0:8080\\nworkers = 4\\n"',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'agent.yaml'),
    'collector:\n  url: https://collector.example:8443\n  enrollmentToken:\n    userData:\n      key: kiln_enrollment_token\n',
  );
  const config = join(dir, 'bake.yaml');
  writeFileSync(
    config,
    [
      'template: template.json',
      'playbook: playbook/site.yml',
      'sourceImage: debian-12-amd64',
      `imageName: ${imageName}`,
      `imageVersion: "${new Date().toISOString().slice(0, 10).replaceAll('-', '.')}"`,
      `imageRoot: ${imageRoot}`,
      'sudo: false',
      'outputDir: out',
      'agent:',
      '  configFile: agent.yaml',
      `  executable: ${demoAgentExecutable()}`,
      '',
    ].join('\n'),
  );
  return config;
}

/** Writes one bake document that says it was recorded by the demo, not baked, and why. */
async function recordBake(context: DemoBakeContext, reason: string): Promise<DemoBakeOutcome> {
  const now = Date.now();
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const bakeId = `demo-recorded-${stamp}`;
  const record = bakeRecord({
    id: bakeId,
    key: 'recorded-by-kiln-demo',
    status: 'succeeded',
    started_at: new Date(now - 60_000).toISOString(),
    finished_at: new Date(now - 53_000).toISOString(),
    duration_ms: 7_000,
    template: `(none: recorded by kiln demo, no bake ran — ${reason})`,
    source_image: 'debian-12-amd64',
    artifacts: [],
    image_name: imageName,
    image_version: new Date(now).toISOString().slice(0, 10).replaceAll('-', '.'),
    inputs: { recorded_by: 'kiln demo', reason },
  });
  record.message = `bake ${bakeId} recorded by kiln demo, not baked: ${reason}`;
  await openBakeStore({ es: { client: context.client, names: context.names } }).save(record);
  return { kind: 'recorded', bakeId, reason };
}

/** The child's exit code; SIGTERM after `timeoutMs`. */
function exitOf(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}

/** One line on how the demo bake ended. */
export function describeDemoBake(outcome: DemoBakeOutcome): string {
  if (outcome.kind === 'recorded') {
    return `    bake: recorded ${outcome.bakeId} (not a real bake: ${outcome.reason})`;
  }
  return `    bake: kiln bake ${outcome.bakeId ?? ''} ${outcome.status} (Packer null builder over SSH to a local sshd; log: ${outcome.logFile})`;
}
