/** `kiln images health` and `kiln images rollback` as a user runs them: the real CLI against Elasticsearch and moto. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esBakeStore } from '../../bake/store/es-store.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import {
  awsClients,
  groupLaunch,
  rollOut,
  rolloutRegistry,
  seedRollout,
} from '../collector/images/rollout-fixture.ts';
import { dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import { type MotoServer, motoCredentials, startMoto } from '../support/moto.ts';

const client = testEsClient();
const names = uniqueNames('imgcli');
const dir = mkdtempSync(join(tmpdir(), 'kiln-images-cli-'));
const entry = join(import.meta.dirname, '../../bin/kiln.ts');
const policyFile = join(dir, 'policy.yaml');
const nowMs = Date.now();
let moto: MotoServer;
let clients: ReturnType<typeof awsClients>;
let a: string;
let b: string;
let c: string;
let onB: string[];

function kiln(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args, '--es-url', testEsUrl(), '--index-prefix', names.prefix],
      { timeout: 60_000, env: { ...process.env, ...motoCredentials } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  Object.assign(process.env, motoCredentials);
  moto = await startMoto();
  clients = awsClients(moto.url);
  const images = await clients.ec2.send(new DescribeImagesCommand({}));
  [a, b, c] = (images.Images ?? []).map((i) => i.ImageId!).sort() as [string, string, string];
  const rolled = await rollOut(clients, 'shop', a, b);
  onB = rolled.onB;
  await setupStorage(client, names);
  await seedRollout(client, names, rolloutRegistry(nowMs, 'shop', a, b, rolled.onA, onB), a, b, nowMs);
  // One B instance's agent started 4 times in one boot (3 restarts: a crash loop); B logged 12 error lines, A 2.
  const day = names.daily('lifecycle', nowMs);
  const ops: Record<string, unknown>[] = [];
  for (let n = 0; n < 4; n++)
    ops.push(
      { create: { _index: day } },
      {
        '@timestamp': new Date(nowMs - 39 * 60_000 + n * 1000).toISOString(),
        cloud: { instance: { id: onB[0] }, image: { id: b } },
        host: { boot: { id: 'boot-1' } },
        kiln: { kind: 'lifecycle', lifecycle: { phase: 'start' } },
      },
    );
  const logs = names.daily('logs', nowMs);
  for (const [image, count] of [
    [b, 12],
    [a, 2],
  ] as const)
    for (let n = 0; n < count; n++)
      ops.push(
        { create: { _index: logs } },
        {
          '@timestamp': new Date(nowMs - 60_000).toISOString(),
          message: 'boom',
          log: { level: 'error' },
          cloud: { instance: { id: 'i-x' }, image: { id: image } },
          kiln: { kind: 'log' },
        },
      );
  const bulk = await client.bulk({ operations: ops, refresh: true });
  expect(bulk.errors).toBe(false);
  writeFileSync(
    policyFile,
    [
      'name: shop-images',
      'onBadImage: {when: {silentWithin: 15m, share: 0.2, minInstances: 5}}',
      'action:',
      '  type: aws-asg',
      `  endpoint: ${moto.url}`,
      '  region: us-east-1',
      'safety: {maxConcurrent: 1, minHealthyShare: 0.3}',
      'retry: {attempts: 1}',
    ].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  clients?.asg.destroy();
  clients?.ec2.destroy();
  await moto?.stop();
  await dropPrefix(client, names);
  await client.close();
});

describe('kiln images health', () => {
  it('--json gives every image with the counts behind each rate, against the image it replaced', async () => {
    const run = await kiln('images', 'health', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { health, marks } = JSON.parse(run.stdout);
    expect(marks).toEqual([]);
    expect(health.map((h: any) => h.imageId)).toEqual([b, a]);
    const [hb, ha] = health;
    expect(hb.counts).toMatchObject({
      launched: 6,
      running: 1,
      silentEarly: 5,
      agentRestarts: 3,
      crashLooping: 1,
      drifted: 0,
      terminatedEarly: 0,
      errorLines: 12,
    });
    expect(hb.rates.silentEarly).toEqual({ count: 5, of: 6, share: 0.8333 });
    expect(hb.baseline).toMatchObject({
      imageId: a,
      via: 'lineage',
      counts: { launched: 4, silentEarly: 0, errorLines: 2 },
    });
    expect(ha.baseline).toBeUndefined();
    expect(ha.counts.running).toBe(4);
  });

  it('prints a table, one image asked for by id', async () => {
    const run = await kiln('images', 'health', b);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+REPLACED\s+LAUNCHED\s+RUNNING\s+SILENT EARLY\s+CRASH LOOPS/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain(`${b}  ${a} (lineage)  6 vs 4`);
    expect(lines[2]).toContain('5/6 (83.3%) vs 0/4 (0%)');
    expect(lines[2]).toContain('1/6 (16.7%) vs 0/4 (0%)');
  });

  it('an image with no instance is a one-line error and exit 1', async () => {
    const run = await kiln('images', 'health', 'ami-00000000');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'kiln: no instance of image ami-00000000 is in the registry: kiln has no health to show for it (kiln fleet lists the images in use)\n',
    );
  });
});

describe('kiln policy plan with onBadImage', () => {
  it('shows the image decision and the replacements it would start, changing nothing', async () => {
    const run = await kiln('policy', 'plan', '--policy', policyFile, '--json');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.images.map((i: any) => [i.imageId, i.outcome, i.reason, i.rollbackTo, i.groups])).toEqual([
      [b, 'taken', 'image_failing', a, ['shop']],
    ]);
    expect(plan.decisions.map((d: any) => [d.instanceId, d.trigger, d.outcome, d.reason])).toEqual([
      [onB[5], 'bad_image', 'taken', 'image_rolled_back'],
      ...[4, 3, 2, 1, 0].map((n) => [onB[n], 'bad_image', 'deferred', 'budget_spent']),
    ]);
    const text = await kiln('policy', 'plan', '--policy', policyFile);
    expect(text.stdout).toContain('images (1):');
    expect(text.stdout).toMatch(
      new RegExp(`${b}\\s+shop\\s+${a} \\(lineage\\)\\s+5/6\\s+rollback\\s+5 of 6 instances`),
    );
    expect(await groupLaunch(clients, 'shop')).toEqual({ version: '2', image: b, versions: 2 });
  });
});

describe('kiln images rollback', () => {
  it('--dry-run shows the rollback and the replacement plan and changes nothing', async () => {
    const run = await kiln('images', 'rollback', b, '--policy', policyFile, '--dry-run');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^dry run: would roll back ${b} -> ${a} in shop \\(decision d-[0-9a-f]{32}\\)$`),
    );
    expect(lines[1]).toBe(
      `replacements of ${b}'s instances (by the policy, under its budgets): 1 now (${onB[5]}), 5 waiting (${[4, 3, 2, 1, 0].map((n) => `${onB[n]}: budget_spent`).join(', ')})`,
    );
    expect(lines[2]).toBe('nothing was changed (dry run)');
    expect(await groupLaunch(clients, 'shop')).toEqual({ version: '2', image: b, versions: 2 });
    expect(await esBakeStore(client, names).imageMarks()).toEqual([]);
  });

  it('refuses to roll back to an image that is itself marked bad: exit 1 and why', async () => {
    await esBakeStore(client, names).markImageBad({
      image_id: c,
      state: 'bad',
      reason: 'crash loop at boot',
      marked_at: '2026-01-01T00:00:00.000Z',
      decision_id: 'd-test',
      marked_by: 'test',
    });
    const run = await kiln('images', 'rollback', b, '--to', c, '--policy', policyFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `kiln: refusing to roll back ${b} to ${c}: ${c} is itself marked bad (2026-01-01T00:00:00.000Z by test: crash loop at boot); choose a good image with --to IMAGE\n`,
    );
    expect(await groupLaunch(clients, 'shop')).toEqual({ version: '2', image: b, versions: 2 });
  });

  it('rolls back by hand: a launch-template version with A, the mark, exit 0; a second time is refused', async () => {
    const run = await kiln('images', 'rollback', b, '--policy', policyFile);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^rolled back ${b} -> ${a} in shop \\(decision d-[0-9a-f]{32}\\)$`));
    expect(lines[1]).toBe(`  shop: launch template version 2 -> 3 launches ${a}`);
    expect(lines[2]).toMatch(/^replacements of .*: 1 now \(.*\), 5 waiting/);
    expect(await groupLaunch(clients, 'shop')).toEqual({ version: '3', image: a, versions: 3 });
    const marks = await esBakeStore(client, names).imageMarks();
    expect(marks.find((m) => m.image_id === b)).toMatchObject({
      rollback_to: a,
      groups: ['shop'],
      bake_ids: ['bake-b'],
    });

    const again = await kiln('images', 'rollback', b, '--policy', policyFile);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^kiln: image ${b} was already rolled back to ${a} at `));
  });
});
