/**
 * `kiln demo`, the README's main command, run as a user runs it (the shipped bundle, a child
 * process) against the run's real Elasticsearch: two real agents ship this machine's logs and a
 * live application log, one drifts, and the report shows fleet state and the policy plan.
 * Afterwards everything it started is stopped. The only stand-in is the demo's own: EC2 instance
 * metadata cannot run here, so the demo serves IMDSv2 (token PUT, then GETs with it) itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryDocument } from '../../lib/fleet.ts';
import { indexNames } from '../../lib/indices.ts';
import { countDocs, dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';
import { launch } from './harness.ts';

const names = uniqueNames('demo');
const client = testEsClient();
const home = mkdtempSync(join(tmpdir(), 'kiln-demo-test-'));
// The baked "images" must sit outside /tmp (and so outside a checkout there): the baseline's
// built-in allowlist ignores /tmp/**, and the demo refuses such a place.
const images = join(homedir(), '.local', 'share', `kiln-demo-test-${process.pid}`);
let run: { code: number | null; output: string };

/** The lines of one report section: from its title to the next blank line after its table. */
function section(output: string, title: string): string[] {
  const start = output.indexOf(title);
  expect(start, `section "${title}" in:\n${output}`).toBeGreaterThanOrEqual(0);
  return output.slice(start).split('\n\n').slice(0, 3).join('\n').split('\n');
}

/** Runs `kiln demo` on the suite's cluster; its working files go to throwaway directories. */
async function runDemo(dataHome: string, prefix: string): Promise<{ code: number | null; output: string }> {
  const demo = launch(
    'kiln.js',
    ['demo', '--es-url', testEsUrl(), '--index-prefix', prefix, '--duration', '1s'],
    { KILN_CACHE_DIR: join(home, 'cache'), XDG_DATA_HOME: dataHome },
  );
  return { code: await demo.exited, output: demo.output() };
}

beforeAll(async () => {
  run = await runDemo(images, names.prefix);
}, 150_000);

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(images, { recursive: true, force: true });
});

describe('kiln demo', () => {
  it('runs the whole loop and exits 0', () => {
    expect(run.code, run.output).toBe(0);
    for (const step of ['1/6', '2/6', '3/6', '4/6', '5/6', '6/6 what arrived:', 'stopping…'])
      expect(run.output).toContain(step);
  });

  it("ships each instance's journal and shows the shop's OOM kill as the likely cause", () => {
    const cause = section(run.output, 'why i-demo-shop-1 restarted its application');
    expect(cause[1]).toBe('Likely cause (latest of each kind, with the lines around it)');
    expect(cause[2]).toMatch(
      /^ {2}\S+Z {2}OOM kill {17}journal:kernel: Out of memory: Killed process 812 \(shop\)/,
    );
    expect(run.output).toMatch(
      /unit failed \(oom-kill\) +journal:systemd: shop\.service: Failed with result 'oom-kill'\./,
    );
  });

  it('ships real logs from both agents into the Kibana-ready indices', async () => {
    const perFile = section(run.output, 'log events per file:');
    expect(perFile.some((l) => l.startsWith('i-demo-shop-1') && l.includes('/demo/logs/shop.log'))).toBe(
      true,
    );
    const logs = names.pattern('logs');
    const shop = await countDocs(client, logs, { term: { 'cloud.instance.id': 'i-demo-shop-1' } });
    const web = await countDocs(client, logs, { term: { 'cloud.instance.id': 'i-demo-web-1' } });
    expect(shop).toBeGreaterThan(10);
    expect(web).toBeGreaterThan(0);
    // One document per line: a line's _id is the same wherever it is stored (any daily index),
    // and no _id of either agent is stored twice.
    const all = await client.search({ index: logs, size: 10_000, _source: false, track_total_hits: true });
    const ids = all.hits.hits.map((h) => h._id);
    expect(ids).toHaveLength(shop + web);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows the fleet with one drifted instance and one clean, both running', async () => {
    const fleet = section(run.output, 'fleet (kiln fleet):');
    const shopRow = fleet.find((l) => l.startsWith('i-demo-shop-1'));
    const webRow = fleet.find((l) => l.startsWith('i-demo-web-1'));
    expect(shopRow).toMatch(/ami-0a1b2c3d4e5f60002 .*drifted \(\d+\)\s+running/);
    expect(webRow).toMatch(/ami-0a1b2c3d4e5f60001 .*clean\s+running/);

    await client.indices.refresh({ index: names.state('registry') });
    const registry = await client.search<RegistryDocument>({ index: names.state('registry'), size: 10 });
    const byId = new Map(registry.hits.hits.map((h) => [h._id, h._source!]));
    expect([...byId.keys()].sort()).toEqual(['i-demo-shop-1', 'i-demo-web-1']);
    expect(byId.get('i-demo-shop-1')!.kiln.drift.state).toBe('drifted');
    expect(byId.get('i-demo-web-1')!.kiln.drift.state).toBe('clean');
    // Identity and launch time come from each instance's IMDSv2 stand-in.
    expect(byId.get('i-demo-web-1')!.cloud.image?.id).toBe('ami-0a1b2c3d4e5f60001');
    expect(byId.get('i-demo-shop-1')!.cloud.image?.id).toBe('ami-0a1b2c3d4e5f60002');
    const webAgeMs = Date.now() - Date.parse(byId.get('i-demo-web-1')!.kiln.launch_time!);
    expect(webAgeMs).toBeGreaterThan(7 * 3_600_000 - 60_000);
    expect(
      await countDocs(client, names.pattern('drift'), { term: { 'cloud.instance.id': 'i-demo-web-1' } }),
    ).toBe(0);
    expect(
      await countDocs(client, names.pattern('drift'), { term: { 'cloud.instance.id': 'i-demo-shop-1' } }),
    ).toBeGreaterThan(0);
  });

  it('plans by drift and by age in a dry run, and audits the decisions as dry', async () => {
    const plan = section(run.output, 'policy plan (kiln policy plan, dry run');
    expect(plan.find((l) => l.includes('i-demo-shop-1'))).toMatch(/\bdrift\b/);
    expect(plan.find((l) => l.includes('i-demo-web-1'))).toMatch(/\bmax_age\b/);
    const decisions = await countDocs(client, names.pattern('actions'));
    expect(decisions).toBeGreaterThan(0);
    expect(
      await countDocs(client, names.pattern('actions'), { term: { 'kiln.decision.dry_run': true } }),
    ).toBe(decisions);
  });

  it('shows image health with a healthy and a failing image, and the rollback plan for the failing one (dry run)', async () => {
    const health = section(run.output, 'image health (kiln images health):');
    expect(health[1]).toMatch(/^IMAGE\s+REPLACED\s+LAUNCHED\s+RUNNING\s+SILENT EARLY/);
    const bad = health.find((l) => l.startsWith('ami-0d3e0a0000000a002'));
    const good = health.find((l) => l.startsWith('ami-0d3e0a0000000a001'));
    expect(bad).toMatch(
      /^ami-0d3e0a0000000a002\s+ami-0d3e0a0000000a001 \(lineage\)\s+6 vs 5\s+2 vs 5\s+4\/6 \(66\.7%\) vs 0\/5 \(0%\)\s/,
    );
    expect(good).toMatch(/^ami-0d3e0a0000000a001\s+-\s+5\s+5\s+0\/5 \(0%\)/);
    const plan = section(run.output, 'rollback plan (kiln images rollback ami-0d3e0a0000000a002 --dry-run');
    expect(plan[1]).toMatch(
      /^dry run: would roll back ami-0d3e0a0000000a002 -> ami-0d3e0a0000000a001 in demo-api \(decision d-[0-9a-f]{32}\)$/,
    );
    expect(plan[2]).toBe(
      "replacements of ami-0d3e0a0000000a002's instances (by the policy, under its budgets): 2 now (i-demo-api-26, i-demo-api-25), 4 waiting (i-demo-api-24: budget_spent, i-demo-api-23: budget_spent, i-demo-api-22: budget_spent, i-demo-api-21: budget_spent)",
    );
    expect(plan[3]).toBe('nothing was changed (dry run)');
    const rollout = indexNames(`${names.prefix}-rollout`);
    expect(await countDocs(client, rollout.pattern('actions'))).toBe(0);
    expect(await countDocs(client, rollout.state('bakes'), { term: { 'kiln.kind': 'image_mark' } })).toBe(0);
  });

  it('bakes for real beside the warm-up (Packer null builder over SSH to a local sshd), and kiln images lists it', async () => {
    const bakeId = /bake: kiln bake (\S+) succeeded \(Packer null builder over SSH to a local sshd/.exec(
      run.output,
    )?.[1];
    expect(bakeId, run.output).toBeDefined();
    const images = section(run.output, 'bakes and image lineage (kiln images):');
    expect(images.find((l) => l.startsWith(bakeId!))).toMatch(
      /\bsucceeded\s+\S+\s+debian-12-amd64\s+Null\s+0\s/,
    );
    await client.indices.refresh({ index: names.state('bakes') });
    const bakes = await client.search<{ kiln: { bake: Record<string, unknown> } }>({
      index: names.state('bakes'),
      query: { term: { 'kiln.kind': 'bake' } },
    });
    expect(bakes.hits.hits.map((h) => h._source!.kiln.bake)).toEqual([
      expect.objectContaining({
        id: bakeId,
        status: 'succeeded',
        image_name: 'shop-base',
        packer_version: '1.6.6',
      }),
    ]);
  });

  it('refuses to bake its images where drift detection would not look, in one line', async () => {
    const refused = await runDemo(join(home, 'data'), `${names.prefix}-tmp`);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(
      /^kiln: the demo images would be baked under .*\/tmp.*; set XDG_DATA_HOME/m,
    );
  }, 60_000);

  it('stops the collector it started', async () => {
    const url = /collector at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output)?.[1];
    expect(url).toBeDefined();
    await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});
