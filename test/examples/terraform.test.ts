/**
 * examples/terraform, where it can run here: the user-data template rendered as Terraform's
 * templatefile would and run with bash against a temporary root (a stand-in systemctl records
 * what it is asked), its config checked by the agent's own schema; kiln-image.sh (the external
 * data source) against the real `kiln images --json` of a local bake store, and that contract.
 * Terraform itself (init/plan/apply) is not run: it needs the providers from the internet.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config.ts';
import { localBakeStore } from '../../bake/store/local-store.ts';
import { bakeRecord } from '../../bake/store/record.ts';

const example = resolve(import.meta.dirname, '../../examples/terraform');
const kilnEntry = resolve(import.meta.dirname, '../../bin/kiln.ts');

function run(
  program: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      program,
      args,
      { timeout: 60_000, env: { ...process.env, KILN_ES_URL: '', ...options.env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    // A program that never reads its stdin (kiln itself) closes the pipe: that is not an error here.
    child.stdin?.on('error', () => {});
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** The user-data as templatefile renders it: `${name}` replaced, `$${` unescaped to `${`. */
function renderUserData(vars: Record<string, string>): string {
  const template = readFileSync(join(example, 'user-data.sh.tftpl'), 'utf8');
  expect(template).not.toContain('%{');
  return template
    .replace(/(?<!\$)\$\{([a-z_]+)\}/g, (_m, name: string) => {
      if (!(name in vars)) throw new Error(`the template uses \${${name}}, which the test does not pass`);
      return vars[name]!;
    })
    .replaceAll('$${', '${');
}

async function bootWith(vars: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-user-data-'));
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  mkdirSync(root);
  mkdirSync(bin);
  const calls = join(dir, 'systemctl.calls');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> ${calls}\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  const script = join(dir, 'user-data.sh');
  writeFileSync(script, renderUserData(vars));
  const result = await run('bash', [script], {
    env: { KILN_ROOT: root, PATH: `${bin}:${process.env.PATH}` },
  });
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    ...result,
    config: join(root, 'etc/kiln/agent.yaml'),
    systemctl: read(calls),
    script: read(script)!,
  };
}

describe('examples/terraform user-data', () => {
  it('writes an agent config that enrolls with the identity document and carries no credential', async () => {
    const boot = await bootWith({
      collector_url: 'https://collector.internal:8443',
      enrollment_token_parameter: '',
    });
    expect(boot.stderr).toBe('');
    expect(boot.code).toBe(0);
    const config = loadAgentConfig(boot.config);
    expect(config.collector).toMatchObject({
      url: 'https://collector.internal:8443',
      attestation: 'aws-iid',
    });
    expect(config.collector.enrollmentToken).toBeUndefined();
    expect(config.inputs.files).toHaveLength(1);
    expect(boot.systemctl).toBe('daemon-reload\nenable --now kiln-agent.service\n');
    expect(boot.script).not.toMatch(/token\s*[:=]\s*['"]?kiln_/i);
  });

  it('with an SSM parameter, names it (the agent reads the value at run time)', async () => {
    const boot = await bootWith({
      collector_url: 'https://collector.internal:8443',
      enrollment_token_parameter: '/kiln/web/enrollment-token',
    });
    expect(boot.code).toBe(0);
    const config = loadAgentConfig(boot.config);
    expect(config.collector.attestation).toBe('auto');
    expect(config.collector.enrollmentToken).toEqual({
      ssmParameter: { name: '/kiln/web/enrollment-token' },
    });
  });

  it('refuses a collector that is not https, before writing anything', async () => {
    const boot = await bootWith({
      collector_url: 'http://collector.internal:8080',
      enrollment_token_parameter: '',
    });
    expect(boot.code).toBe(1);
    expect(boot.stderr).toBe(
      "kiln user-data: collector_url must be https://, got 'http://collector.internal:8080'\n",
    );
    expect(boot.systemctl).toBeUndefined();
  });
});

describe('examples/terraform kiln-image.sh and the kiln images --json contract', () => {
  const store = mkdtempSync(join(tmpdir(), 'kiln-tf-store-'));
  const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T08:00:00.000Z`;
  const bake = (id: string, day: number, fields: Record<string, unknown>) =>
    bakeRecord({
      id,
      key: `k-${id}`,
      status: 'succeeded',
      started_at: at(day),
      template: 't.json',
      artifacts: [],
      inputs: {},
      ...fields,
    } as never);
  const seeded = (async () => {
    const s = localBakeStore(store);
    await s.save(bake('b-old', 1, { image_name: 'web', artifacts: ['us-east-1:ami-old'] }));
    await s.save(
      bake('b-bad', 2, { image_name: 'web', artifacts: ['us-east-1:ami-bad'], source_image: 'ami-old' }),
    );
    await s.save(bake('b-failed', 3, { image_name: 'web', status: 'failed', failure_step: 'ansible' }));
    await s.save(bake('b-api', 4, { image_name: 'api', artifacts: ['us-east-1:ami-api'] }));
    await s.markImageBad({
      image_id: 'ami-bad',
      state: 'bad',
      reason: 'silent after boot',
      marked_at: at(3),
      decision_id: 'd-1',
      marked_by: 'policy web',
    });
  })();
  const env = { KILN: `${process.execPath} ${kilnEntry}`, KILN_IMAGES_ARGS: `--store ${store}` };

  it('kiln images --json: one row per bake with the fields the deploy step reads', async () => {
    await seeded;
    const out = await run(process.execPath, [kilnEntry, 'images', '--json', '--store', store]);
    expect(out.code).toBe(0);
    const rows = JSON.parse(out.stdout);
    expect(
      rows.map((r: any) => [r.bakeId, r.status, r.imageName, r.artifacts, r.markedBad?.imageId]),
    ).toEqual([
      ['b-api', 'succeeded', 'api', ['us-east-1:ami-api'], undefined],
      ['b-failed', 'failed', 'web', [], undefined],
      ['b-bad', 'succeeded', 'web', ['us-east-1:ami-bad'], 'ami-bad'],
      ['b-old', 'succeeded', 'web', ['us-east-1:ami-old'], undefined],
    ]);
    expect(Object.keys(rows[2]).sort()).toEqual(
      [
        'artifacts',
        'bakeId',
        'depth',
        'imageName',
        'instances',
        'key',
        'markedBad',
        'sourceImage',
        'startedAt',
        'status',
      ].sort(),
    );
  });

  it('picks the newest succeeded bake of the name that is not marked bad', async () => {
    await seeded;
    const out = await run('bash', [join(example, 'kiln-image.sh')], { env, input: '{"image_name":"web"}' });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ image_id: 'ami-old' });
    const api = await run('bash', [join(example, 'kiln-image.sh')], { env, input: '{"image_name":"api"}' });
    expect(JSON.parse(api.stdout)).toEqual({ image_id: 'ami-api' });
  });

  it('fails with one line when no good image has the name', async () => {
    await seeded;
    const out = await run('bash', [join(example, 'kiln-image.sh')], { env, input: '{"image_name":"db"}' });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      "kiln-image.sh: no succeeded, unmarked bake of image name 'db' in kiln images --json\n",
    );
  });
});
