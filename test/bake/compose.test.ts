import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentConfigSchema } from '../../agent/config.ts';
import {
  type ComposePlan,
  composeJsonTemplate,
  kilnProvisioners,
  plannedSteps,
  sourceImageOfJson,
} from '../../bake/compose.ts';
import { insertIntoBuildBlock, renderHclProvisioners, topLevelBuildBlocks } from '../../bake/compose-hcl.ts';
import { imagePaths } from '../../bake/config.ts';
import { renderDriftFeedUnit, renderUnit } from '../../bake/image-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan: ComposePlan = {
  localStage: '/work/out/b1/kiln-bake-b1',
  remoteStage: '/tmp/kiln-bake-b1',
  playbook: '/work/playbook/site.yml',
  ansibleArguments: ['-e', 'env=prod'],
  imageRoot: '',
  securityUpdates: true,
  sudo: true,
  downloadDir: '/work/out/b1/image',
};

/** `packer validate`: Packer 1.6.6 prints nothing and exits 0 for a valid template. */
function validate(file: string): { status: number | null; output: string } {
  const run = spawnSync('packer', ['validate', file], {
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  return { status: run.status, output: (run.stdout + run.stderr).trim() };
}

const builder = {
  type: 'null',
  communicator: 'ssh',
  ssh_host: '127.0.0.1',
  ssh_username: 'root',
  ssh_password: 'x',
};

describe('composeJsonTemplate', () => {
  it("keeps the user's builders, provisioners and post-processors, and appends kiln's steps in order", () => {
    const user = {
      variables: { v: '1' },
      builders: [builder],
      provisioners: [{ type: 'shell', inline: ['echo user'] }],
      'post-processors': [{ type: 'manifest' }],
    };
    const composed = composeJsonTemplate(structuredClone(user), plan);
    expect(composed.builders).toEqual(user.builders);
    expect(composed['post-processors']).toEqual(user['post-processors']);
    expect(composed['error-cleanup-provisioner']).toEqual({
      type: 'shell',
      inline: ['rm -rf /tmp/kiln-bake-b1'],
      execute_command: "chmod +x {{ .Path }}; {{ .Vars }} sudo -E sh -eu '{{ .Path }}'",
    });
    const types = (composed.provisioners as Array<{ type: string }>).map((p) => p.type);
    expect(types).toEqual(['shell', 'file', 'shell', 'ansible', 'shell', 'shell', 'file', 'file', 'file']);
    expect(plannedSteps(plan)).toEqual([
      'upload',
      'install-agent',
      'playbook',
      'security-updates',
      'baseline',
      'download',
    ]);
    const provisioners = composed.provisioners as Array<Record<string, unknown>>;
    expect(provisioners[3]).toEqual({
      type: 'ansible',
      playbook_file: '/work/playbook/site.yml',
      use_proxy: false,
      extra_arguments: ['--extra-vars', 'kiln_image_root=', '-e', 'env=prod'],
      ansible_env_vars: [
        'ANSIBLE_HOST_KEY_CHECKING=False',
        'ANSIBLE_NOCOLOR=1',
        'ANSIBLE_RETRY_FILES_ENABLED=False',
      ],
    });
    expect(provisioners.slice(6)).toEqual([
      {
        type: 'file',
        direction: 'download',
        source: '/etc/kiln/baseline.json',
        destination: '/work/out/b1/image/baseline.json',
      },
      {
        type: 'file',
        direction: 'download',
        source: '/etc/kiln/image.json',
        destination: '/work/out/b1/image/image.json',
      },
      {
        type: 'file',
        direction: 'download',
        source: '/etc/kiln/packages.txt',
        destination: '/work/out/b1/image/packages.txt',
      },
    ]);
  });

  it('prefixes image paths with the image root and drops sudo when asked', () => {
    const provisioners = kilnProvisioners({
      ...plan,
      imageRoot: '/mnt/img/',
      sudo: false,
      securityUpdates: false,
    });
    expect(provisioners.map((p) => p.type)).toEqual([
      'file',
      'shell',
      'ansible',
      'shell',
      'file',
      'file',
      'file',
    ]);
    expect(provisioners[1]).toEqual({ type: 'shell', inline: ['sh /tmp/kiln-bake-b1/install.sh'] });
    expect(provisioners[4]!.source).toBe('/mnt/img/etc/kiln/baseline.json');
  });

  it('refuses a template without builders', () => {
    expect(() => composeJsonTemplate({ builders: [] }, plan, 't.json')).toThrow(
      't.json: "builders" must list at least one builder',
    );
  });

  it('is accepted by the real packer validate (1.6.6)', () => {
    const file = join(dir, 'composed.json');
    writeFileSync(join(dir, 'site.yml'), '- hosts: all\n  tasks: []\n');
    const composed = composeJsonTemplate(
      { builders: [builder] },
      { ...plan, localStage: dir, playbook: join(dir, 'site.yml') },
    );
    writeFileSync(file, JSON.stringify(composed));
    expect(validate(file)).toEqual({ status: 0, output: '' });
  });

  it.each([
    [{ builders: [{ type: 'amazon-ebs', source_ami: 'ami-1' }] }, {}, 'ami-1'],
    [{ variables: { src: 'ami-default' }, builders: [{ source_ami: '{{user `src`}}' }] }, {}, 'ami-default'],
    [
      { variables: { src: 'ami-default' }, builders: [{ source_ami: '{{ user `src` }}' }] },
      { src: 'ami-cli' },
      'ami-cli',
    ],
    [{ builders: [{ type: 'googlecompute', source_image: 'debian-12' }] }, {}, 'debian-12'],
    [{ builders: [{ type: 'null' }] }, {}, undefined],
  ])('reads the source image of %j', (template, variables, expected) => {
    expect(sourceImageOfJson(template, variables)).toBe(expected);
  });
});

describe('HCL2 templates', () => {
  const hcl = [
    'variable "greeting" { default = "}{ not a brace" }',
    'source "null" "img" {',
    '  communicator = "ssh"',
    '  ssh_host     = "127.0.0.1"',
    '  ssh_username = "root"',
    '  ssh_password = "x"',
    '}',
    '# build { in a comment }',
    'build {',
    '  sources = ["source.null.img"]',
    '  provisioner "shell" {',
    '    inline = ["echo ${var.greeting}", <<EOF',
    'echo }',
    'EOF',
    '    ]',
    '  }',
    '}',
    '',
  ].join('\n');

  it('finds the one top-level build block past strings, comments and heredocs', () => {
    const blocks = topLevelBuildBlocks(hcl);
    expect(blocks.length).toBe(1);
    expect(hcl.slice(blocks[0]!.close)).toBe('}\n');
  });

  it('inserts kiln provisioners at the end of the build block, accepted by packer validate (1.6.6 HCL2 beta)', () => {
    writeFileSync(join(dir, 'site.yml'), '- hosts: all\n  tasks: []\n');
    const composed = insertIntoBuildBlock(
      hcl,
      renderHclProvisioners(kilnProvisioners({ ...plan, localStage: dir, playbook: join(dir, 'site.yml') })),
    );
    expect(composed.indexOf('provisioner "ansible"')).toBeGreaterThan(
      composed.indexOf('echo ${var.greeting}'),
    );
    expect(composed).toContain(
      `execute_command = "chmod +x {{ .Path }}; {{ .Vars }} sudo -E sh -eu '{{ .Path }}'"`,
    );
    const file = join(dir, 'composed.pkr.hcl');
    writeFileSync(file, composed);
    expect(validate(file)).toEqual({ status: 0, output: '' });
  });

  it('refuses a template with two build blocks (Packer would run them in parallel)', () => {
    expect(() =>
      insertIntoBuildBlock(`${hcl}\nbuild {\n  sources = ["source.null.img"]\n}\n`, '', 'x.pkr.hcl'),
    ).toThrow('x.pkr.hcl: kiln needs exactly one top-level build {} block in an HCL2 template, found 2');
  });
});

describe('renderUnit', () => {
  it('orders the agent after the applications and gives systemd a stop timeout past the agent deadline', () => {
    const unit = renderUnit({
      afterUnits: ['nginx.service'],
      shutdownDeadlineMs: 20_000,
      stateDir: '/var/lib/kiln-agent',
      heapMiB: 48,
      memoryMaxMiB: 160,
    });
    expect(unit).toContain('After=network-online.target kiln-drift-feed.service nginx.service\n');
    expect(unit).toContain('Wants=network-online.target kiln-drift-feed.service\n');
    expect(unit).toContain('TimeoutStopSec=35\n');
    expect(unit).toContain('ExecStart=/usr/local/lib/kiln/kiln-agent run --config /etc/kiln/agent.yaml\n');
    expect(unit).toContain('WantedBy=multi-user.target\n');
  });

  it('runs the drift change feed as its own unit: the fanotify capabilities, no network, ready with its socket', () => {
    const unit = renderDriftFeedUnit();
    const service = serviceLines(unit);
    for (const line of [
      'Type=notify',
      'ExecStart=/usr/local/lib/kiln/kiln-drift-feed --listen /run/kiln-drift-feed/feed.sock',
      'RuntimeDirectory=kiln-drift-feed',
      'RuntimeDirectoryMode=0700',
      'PrivateNetwork=yes',
      'RestrictAddressFamilies=AF_UNIX',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=CAP_SYS_ADMIN CAP_DAC_READ_SEARCH',
    ])
      expect(service).toContain(line);
    expect(unit).toContain('Before=kiln-agent.service\n');
    // Where the agent looks for it by default.
    const agent = agentConfigSchema.parse({ collector: { url: 'https://c:1', attestation: 'aws-iid' } });
    expect(agent.drift.changeFeedSocket).toBe(imagePaths.driftFeedSocket);
    expect(unit).toContain('WantedBy=multi-user.target\n');
  });

  it('bounds memory with a matching heap limit and hardens everything but reading and the state directory', () => {
    const unit = renderUnit({
      afterUnits: [],
      shutdownDeadlineMs: 20_000,
      stateDir: '/srv/kiln-state',
      heapMiB: 40,
      memoryMaxMiB: 128,
    });
    const service = serviceLines(unit);
    for (const line of [
      'Environment=NODE_OPTIONS=--max-old-space-size=40',
      'Environment=MALLOC_ARENA_MAX=1',
      'MemoryMax=128M',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/srv/kiln-state',
      'PrivateTmp=yes',
      'ProtectHome=read-only',
      'CapabilityBoundingSet=CAP_DAC_READ_SEARCH',
    ])
      expect(service).toContain(line);
    // Reading logs and baseline roots needs the files visible: nothing hides /var/log, /etc or /usr.
    expect(service.join('\n')).not.toMatch(/InaccessiblePaths|ProtectHome=yes|TemporaryFileSystem/);
    // V8 writes its JIT code; this would kill the agent at start.
    expect(service.join('\n')).not.toContain('MemoryDenyWriteExecute');
  });
});

/** The lines of a unit's [Service] section. */
function serviceLines(unit: string): string[] {
  return unit.slice(unit.indexOf('[Service]'), unit.indexOf('[Install]')).split('\n');
}
