/**
 * The demo's bake when it cannot bake for real (no Packer): one bake document, written to the
 * real Elasticsearch, that says it was recorded by the demo and why, and that `kiln images` lists.
 * The real path (a Packer `null` build over SSH) runs in test/e2e/demo.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BakeRecord } from '../../../bake/index.ts';
import { missingForRealBake, startDemoBake } from '../../../bin/demo/demo-bake.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { runKiln } from '../../dashboards/run-kiln.ts';
import { dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../../support/es.ts';

const client = testEsClient();
const names = uniqueNames('demobake');
const workDir = mkdtempSync(join(tmpdir(), 'kiln-demo-bake-'));

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('missingForRealBake', () => {
  it('names the tools that are missing', () => {
    expect(missingForRealBake((tool) => tool === 'ssh-keygen')).toBe(
      'packer, ansible-playbook not installed',
    );
  });
  it('asks for the agent executable when it is not built', () => {
    expect(
      missingForRealBake(
        () => true,
        () => false,
      ),
    ).toMatch(
      /^the agent executable \S+\/dist\/kiln-agent-linux-(x64|arm64) is not built \(npm run build\)$/,
    );
    expect(
      missingForRealBake(
        () => true,
        () => true,
      ),
    ).toBeUndefined();
  });
});

describe('the recorded bake', () => {
  it('is one succeeded bake of shop-base, marked as recorded by the demo, with the reason', async () => {
    await setupStorage(client, names);
    const say: string[] = [];
    const outcome = await startDemoBake(
      { workDir, esUrl: testEsUrl(), client, names, say: (l) => say.push(l) },
      'packer not installed',
    ).done;
    expect(outcome).toMatchObject({ kind: 'recorded', reason: 'packer not installed' });
    const bakeId = (outcome as { bakeId: string }).bakeId;
    expect(bakeId).toMatch(/^demo-recorded-\d{8}T\d{6}$/);

    const doc = (await client.get<BakeRecord>({ index: names.state('bakes'), id: bakeId }))._source!;
    expect(doc.message).toBe(`bake ${bakeId} recorded by kiln demo, not baked: packer not installed`);
    expect(doc.kiln.bake).toMatchObject({
      status: 'succeeded',
      image_name: 'shop-base',
      source_image: 'debian-12-amd64',
      duration_ms: 7000,
      template: '(none: recorded by kiln demo, no bake ran — packer not installed)',
      inputs: { recorded_by: 'kiln demo', reason: 'packer not installed' },
    });
    const marked = await client.count({
      index: names.state('bakes'),
      query: { term: { 'kiln.bake.inputs.recorded_by': 'kiln demo' } },
    });
    expect(marked.count).toBe(1);

    const images = await runKiln(['images', '--es-url', testEsUrl(), '--index-prefix', names.prefix]);
    expect(images.code, images.stderr).toBe(0);
    const row = images.stdout.split('\n').find((l) => l.startsWith(bakeId));
    expect(row).toMatch(/^demo-recorded-\S+\s+succeeded\s+recorded-by-\s+debian-12-amd64\s+-\s+0\s+7s$/);
  });
});
