/**
 * `kiln bake` end to end with the real parts: Packer 1.6.6 (`null` builder over SSH), Ansible,
 * a real sshd on 127.0.0.1 playing the image, `kiln-agent baseline capture` inside it, and the
 * run's real Elasticsearch for the records. Everything is installed under an image-root
 * directory, never into the machine's own /etc.
 */
import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineEntries, openBaseline } from '../../agent/baseline/baseline-file.ts';
import { renderDriftFeedUnit } from '../../bake/image-files.ts';
import type { BakeRecord } from '../../bake/store/record.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import type { IndexNames } from '../../lib/indices.ts';
import { dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import { startSshd, type TestSshd } from '../support/sshd.ts';
import { type BakeWorkspace, createWorkspace, playbookText, runKiln } from './fixture.ts';

let sshd: TestSshd;
let client: Client;
let names: IndexNames;
let ws: BakeWorkspace;

const esArgs = () => ['--es-url', testEsUrl(), '--index-prefix', names.prefix];

async function bakes(): Promise<BakeRecord[]> {
  await client.indices.refresh({ index: names.state('bakes') });
  const result = await client.search<BakeRecord>({
    index: names.state('bakes'),
    size: 100,
    query: { term: { 'kiln.kind': 'bake' } },
    sort: [{ 'kiln.bake.started_at': { order: 'asc' } }],
  });
  return result.hits.hits.map((h) => h._source!);
}

beforeAll(async () => {
  sshd = await startSshd();
  client = testEsClient();
  names = uniqueNames('bake');
  await setupStorage(client, names);
  ws = createWorkspace(sshd);
});

afterAll(async () => {
  await sshd?.stop();
  if (ws) rmSync(ws.dir, { recursive: true, force: true });
  if (client && names) await dropPrefix(client, names);
});

// Each bake is a real Packer build (~7 s idle, minutes on a loaded 2-core machine).
describe('kiln bake (Packer 1.6.6, Ansible, sshd, Elasticsearch)', { timeout: 900_000 }, () => {
  let first: BakeRecord;

  it('installs the agent, unit and config in the image, captures baseline and manifest, downloads both and records the bake', async () => {
    const run = await runKiln(['bake', '--config', ws.config, ...esArgs()]);
    expect(run.stderr).not.toContain('kiln: ');
    expect(run.code).toBe(0);
    const [record] = await bakes();
    first = record!;
    const bake = first.kiln.bake;
    expect(run.stdout).toContain(`bake ${bake.id} succeeded`);
    expect(bake.status).toBe('succeeded');
    expect(bake.artifacts).toEqual(['Null']);
    expect(bake.source_image).toBe('ami-0aaaabbbbccccdddd');
    expect(bake.packer_version).toBe('1.6.6');
    expect(bake.ansible_version).toMatch(/^2\.14\./);

    const root = ws.imageRoot;
    // Buffer#equals: a deep toEqual over 100 MiB of bytes exhausts the test worker's heap.
    const installed = readFileSync(join(root, 'usr/local/lib/kiln/kiln-agent'));
    expect(installed.equals(readFileSync(ws.agentExecutable))).toBe(true);
    expect(readlinkSync(join(root, 'usr/local/bin/kiln-agent'))).toBe('/usr/local/lib/kiln/kiln-agent');
    // The source map beside it, where the executable looks when KILN_DEBUG is set.
    expect(
      readFileSync(join(root, 'usr/local/lib/kiln/kiln-agent.cjs.map')).equals(
        readFileSync(join(ws.dir, 'kiln-agent.cjs.map')),
      ),
    ).toBe(true);
    expect(readFileSync(join(root, 'etc/kiln/agent.yaml'), 'utf8')).toBe(
      readFileSync(join(ws.dir, 'agent.yaml'), 'utf8'),
    );
    const unit = readFileSync(join(root, 'etc/systemd/system/kiln-agent.service'), 'utf8');
    expect(unit).toContain('After=network-online.target kiln-drift-feed.service app.service\n');
    // The change feed beside it, with its own unit (it holds the capability the agent does not).
    expect(
      readFileSync(join(root, 'usr/local/lib/kiln/kiln-drift-feed')).equals(
        readFileSync(join(ws.dir, `kiln-drift-feed-linux-${process.arch}`)),
      ),
    ).toBe(true);
    expect(readFileSync(join(root, 'etc/systemd/system/kiln-drift-feed.service'), 'utf8')).toBe(
      renderDriftFeedUnit(),
    );
    expect(
      readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/kiln-drift-feed.service')),
    ).toBe('/etc/systemd/system/kiln-drift-feed.service');
    expect(unit).toContain('TimeoutStopSec=35\n');
    // No Node in the image: the unit runs the executable itself, bounded and hardened.
    expect(unit).toContain('ExecStart=/usr/local/lib/kiln/kiln-agent run --config /etc/kiln/agent.yaml\n');
    expect(unit).toContain('MemoryMax=160M\n');
    expect(unit).toContain('ProtectSystem=strict\nReadWritePaths=/var/lib/kiln-agent\n');
    expect(readFileSync(join(root, 'etc/app.conf'), 'utf8')).toBe('marker=one\n');

    const manifestInside = JSON.parse(readFileSync(join(root, 'etc/kiln/image.json'), 'utf8'));
    const baselineInside = await openBaseline(join(root, 'etc/kiln/baseline.json'));
    const downloaded = join(ws.outputDir, bake.id, 'image');
    expect(JSON.parse(readFileSync(join(downloaded, 'image.json'), 'utf8'))).toEqual(manifestInside);
    expect(readFileSync(join(downloaded, 'baseline.json'), 'utf8')).toBe(
      readFileSync(join(root, 'etc/kiln/baseline.json'), 'utf8'),
    );
    expect(manifestInside).toMatchObject({
      bakeId: bake.id,
      bakeKey: bake.key,
      parentImage: 'ami-0aaaabbbbccccdddd',
      imageName: 'web',
      imageVersion: '1.0.0',
      packerVersion: '1.6.6',
      baselineDigest: baselineInside.digest,
    });
    expect(manifestInside.builtAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(manifestInside.packagesDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The baseline covers what the bake installed (agent, unit, application file); /etc/kiln is allowlisted.
    const paths: string[] = [];
    for await (const e of baselineEntries(baselineInside)) paths.push(e.path);
    expect(paths).toEqual([
      '/etc',
      '/etc/app.conf',
      '/etc/systemd',
      '/etc/systemd/system',
      '/etc/systemd/system/kiln-agent.service',
      '/etc/systemd/system/kiln-drift-feed.service',
      '/etc/systemd/system/multi-user.target.wants',
      '/etc/systemd/system/multi-user.target.wants/kiln-agent.service',
      '/etc/systemd/system/multi-user.target.wants/kiln-drift-feed.service',
      '/usr/local/lib/kiln',
      '/usr/local/lib/kiln/kiln-agent',
      '/usr/local/lib/kiln/kiln-agent.cjs.map',
      '/usr/local/lib/kiln/kiln-drift-feed',
    ]);
    expect(bake.baseline_digest).toBe(baselineInside.digest);
    expect(bake.manifest).toEqual(manifestInside);
    // The record keeps the baseline's header, digest and entry count; the entries stay in the file.
    expect(bake.baseline).toEqual({
      ...baselineInside.header,
      digest: baselineInside.digest,
      capturedAt: baselineInside.capturedAt,
      entries: paths.length,
    });
    // Kept whole in _source, not indexed.
    const mapping = await client.indices.getMapping({ index: names.state('bakes') });
    const bakeProperties = (Object.values(mapping)[0]!.mappings.properties as any).kiln.properties.bake
      .properties;
    expect(bakeProperties.baseline).toEqual({ type: 'object', enabled: false });
  });

  it('reuses a successful bake with the same key, and rebakes when the playbook changes', async () => {
    const again = await runKiln(['bake', '--config', ws.config, ...esArgs()]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`cache hit: bake ${first.kiln.bake.id}`);
    expect((await bakes()).length).toBe(1);

    writeFileSync(ws.playbook, playbookText({ marker: 'two' }));
    const changed = await runKiln(['bake', '--config', ws.config, ...esArgs()]);
    expect(changed.code).toBe(0);
    const records = await bakes();
    expect(records.map((r) => r.kiln.bake.status)).toEqual(['succeeded', 'succeeded']);
    expect(records[1]!.kiln.bake.key).not.toBe(first.kiln.bake.key);
    expect(readFileSync(join(ws.imageRoot, 'etc/app.conf'), 'utf8')).toBe('marker=two\n');
  });

  it('runs two concurrent identical bakes once: the second waits and reuses the first', async () => {
    writeFileSync(ws.playbook, playbookText({ marker: 'three' }));
    const [a, b] = await Promise.all([
      runKiln(['bake', '--config', ws.config, ...esArgs()]),
      runKiln(['bake', '--config', ws.config, ...esArgs()]),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const records = await bakes();
    expect(records.length).toBe(3);
    const built = records[2]!.kiln.bake.id;
    const outputs = [a.stdout, b.stdout];
    expect(outputs.filter((o) => o.includes(`bake ${built} succeeded`)).length).toBe(1);
    expect(outputs.filter((o) => o.includes(`cache hit: bake ${built}`)).length).toBe(1);
  });

  it('fails on a failing playbook with the task named, records the failure and no success', async () => {
    writeFileSync(ws.playbook, playbookText({ marker: 'four', failingTask: true }));
    const run = await runKiln(['bake', '--config', ws.config, ...esArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/kiln: bake \S+ failed at step "playbook", task "fail here": /);
    const records = await bakes();
    expect(records.length).toBe(4);
    const failed = records[3]!.kiln.bake;
    expect(failed.status).toBe('failed');
    expect(failed.failure_step).toBe('playbook');
    expect(failed.failure_task).toBe('fail here');
    expect(failed.failure_output).toContain('fatal: [default]: FAILED!');
    // Packer's error-cleanup provisioner removed kiln's staging directory from the machine.
    expect(existsSync(`/tmp/kiln-bake-${failed.id}`)).toBe(false);
    expect(
      records.filter((r) => r.kiln.bake.key === failed.key && r.kiln.bake.status === 'succeeded'),
    ).toEqual([]);
  });

  it('lists bakes and lineage with kiln images --json, with the instances running each image', async () => {
    const records = await bakes();
    const newest = records[2]!.kiln.bake;
    await client.index({
      index: names.state('registry'),
      id: 'i-0123456789abcdef0',
      document: {
        '@timestamp': new Date().toISOString(),
        cloud: { instance: { id: 'i-0123456789abcdef0' } },
        kiln: { kind: 'registry', bake: { id: newest.id }, status: 'running' },
      },
      refresh: 'wait_for',
    });
    const run = await runKiln(['images', '--json', ...esArgs()]);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<{ bakeId: string; status: string; instances: string[] }>;
    expect(rows.map((r) => r.status)).toEqual(['failed', 'succeeded', 'succeeded', 'succeeded']);
    expect(rows.find((r) => r.bakeId === newest.id)!.instances).toEqual(['i-0123456789abcdef0']);
  });

  it('refuses a template carrying an access key, naming file and line, before running Packer', async () => {
    const template = JSON.parse(readFileSync(ws.template, 'utf8'));
    template.variables.aws_access_key = 'AKIAIOSFODNN7EXAMPLE';
    writeFileSync(ws.template, `${JSON.stringify(template, null, 2)}\n`);
    const run = await runKiln(['bake', '--config', ws.config, ...esArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${ws.template}:4: cloud access key id AKIA…`);
    expect((await bakes()).length).toBe(4);
  });

  it('bakes an HCL2 template (Packer 1.6.6 beta): kiln blocks inserted into its build block; --dry-run builds nothing', async () => {
    writeFileSync(ws.playbook, playbookText({ marker: 'hcl' }));
    writeFileSync(
      join(ws.dir, 'template.pkr.hcl'),
      [
        'source "null" "img" {',
        '  communicator         = "ssh"',
        `  ssh_host             = "${sshd.host}"`,
        `  ssh_port             = ${sshd.port}`,
        `  ssh_username         = "${sshd.user}"`,
        `  ssh_private_key_file = "${sshd.privateKeyFile}"`,
        '}',
        '',
        'build {',
        '  sources = ["source.null.img"]',
        '}',
        '',
      ].join('\n'),
    );
    const config = join(ws.dir, 'bake-hcl.yaml');
    writeFileSync(
      config,
      readFileSync(ws.config, 'utf8').replace('template: template.json', 'template: template.pkr.hcl'),
    );

    const dry = await runKiln(['bake', '--config', config, '--dry-run', ...esArgs()]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('cache:         miss: Packer would run');
    expect(dry.stdout).toContain('steps:         upload → install-agent → playbook → baseline → download');
    expect(dry.stdout).toMatch(
      / {2}provisioner "ansible" \{\n {4}playbook_file = "[^"]+site\.yml"\n {4}use_proxy = false\n/,
    );
    expect((await bakes()).length).toBe(4);

    const run = await runKiln(['bake', '--config', config, ...esArgs()]);
    expect(run.stderr).not.toContain('kiln: ');
    expect(run.code).toBe(0);
    const records = await bakes();
    expect(records.length).toBe(5);
    expect(records[4]!.kiln.bake).toMatchObject({ status: 'succeeded', artifacts: ['Null'] });
    expect(records[4]!.kiln.bake.template).toBe(join(ws.dir, 'template.pkr.hcl'));
    expect(readFileSync(join(ws.imageRoot, 'etc/app.conf'), 'utf8')).toBe('marker=hcl\n');
    const manifest = JSON.parse(readFileSync(join(ws.imageRoot, 'etc/kiln/image.json'), 'utf8'));
    expect(manifest.bakeId).toBe(records[4]!.kiln.bake.id);
  });
});
