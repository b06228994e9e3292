/**
 * The demo's image-health scene: a simulated rollout under its own index prefix
 * (`<prefix>-rollout`, so the live demo's fleet and bakes stay as they are). Group `demo-api`
 * ran image 1 for a day (5 instances, healthy); image 2, baked from it, was rolled out 30 minutes
 * ago and 4 of its 6 instances went silent 2 minutes after boot. Registry documents and bake
 * records only: no instance stands behind them, and the rollback is shown as a dry run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { bakeRecord } from '../../bake/store/record.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import { type IndexNames, indexNames } from '../../lib/indices.ts';

/** The simulated images. */
export const rolloutImages = { good: 'ami-0d3e0a0000000a001', bad: 'ami-0d3e0a0000000a002' } as const;

function instance(
  id: string,
  image: string,
  startedMs: number,
  lastSeenMs: number,
  silent: boolean,
): RegistryDocument {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    '@timestamp': iso(lastSeenMs),
    cloud: { instance: { id }, image: { id: image }, provider: 'aws' },
    host: { name: id, image: { id: image } },
    kiln: {
      kind: 'registry',
      launch_time: iso(startedMs),
      provenance: { launch_time: 'attested', image_id: 'attested' },
      first_seen: iso(startedMs),
      last_seen: iso(lastSeenMs),
      status: silent ? 'silent' : 'running',
      status_changed_at: iso(silent ? lastSeenMs + 300_000 : startedMs),
      group: 'demo-api',
      drift: { state: 'clean', count: 0 },
    },
  };
}

/** Seeds the rollout and writes its policy; returns the prefix's names and the policy file. */
export async function seedDemoRollout(
  client: Client,
  prefix: string,
  dir: string,
  nowMs: number,
): Promise<{ names: IndexNames; policyFile: string }> {
  const names = indexNames(`${prefix}-rollout`);
  await setupStorage(client, names);
  const minute = 60_000;
  const docs = [
    ...[1, 2, 3, 4, 5].map((n) =>
      instance(
        `i-demo-api-1${n}`,
        rolloutImages.good,
        nowMs - 24 * 60 * minute - n * minute,
        nowMs - 10_000,
        false,
      ),
    ),
    ...[1, 2, 3, 4, 5, 6].map((n) => {
      const started = nowMs - 30 * minute - n * 1000;
      return instance(
        `i-demo-api-2${n}`,
        rolloutImages.bad,
        started,
        n <= 4 ? started + 2 * minute : nowMs - 10_000,
        n <= 4,
      );
    }),
  ];
  const at = (ms: number) => new Date(ms).toISOString();
  const bakes = [
    bakeRecord({
      id: 'demo-api-1',
      key: 'demo-api-1',
      status: 'succeeded',
      started_at: at(nowMs - 2 * 24 * 60 * minute),
      template: 'api.pkr.hcl',
      artifacts: [`us-east-1:${rolloutImages.good}`],
      image_name: 'api',
      image_version: '1',
      inputs: {},
    }),
    bakeRecord({
      id: 'demo-api-2',
      key: 'demo-api-2',
      status: 'succeeded',
      started_at: at(nowMs - 60 * minute),
      template: 'api.pkr.hcl',
      artifacts: [`us-east-1:${rolloutImages.bad}`],
      source_image: rolloutImages.good,
      parent_bake: 'demo-api-1',
      image_name: 'api',
      image_version: '2',
      inputs: {},
    }),
  ];
  const operations = [
    ...docs.flatMap((d) => [{ index: { _index: names.state('registry'), _id: d.cloud.instance.id } }, d]),
    ...bakes.flatMap((b) => [{ index: { _index: names.state('bakes'), _id: b.kiln.bake.id } }, b]),
  ];
  await client.bulk({ operations, refresh: true });
  const policyFile = join(dir, 'rollout-policy.yaml');
  writeFileSync(
    policyFile,
    [
      '# kiln demo: go back to the previous image when a new one fails soon after boot (dry run).',
      'name: demo-rollout',
      'onBadImage:',
      '  when: {silentWithin: 15m, share: 0.2, minInstances: 5}',
      '  action: rollback',
      'action: {type: aws-asg, region: us-east-1}',
      'safety: {maxConcurrent: 2, maxConcurrentPerGroup: 2, minHealthyShare: 0.3}',
      'dryRun: true',
      '',
    ].join('\n'),
  );
  return { names, policyFile };
}
