/**
 * The bad-image rule end to end against moto and the real Elasticsearch: a group on image A, B
 * rolled out, B's instances silent soon after boot (fake clock, seeded registry) → one rollback
 * decision, the group's launch-template version carries A's AMI, B's instances are replaced
 * within the budget, every decision is audited, a dry run changes nothing, and two collectors
 * deciding at once roll back once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esBakeStore } from '../../../bake/store/es-store.ts';
import { createPolicyEngine } from '../../../collector/policy/engine.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { silentLogger } from '../../../lib/log.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { type MotoServer, motoCredentials, startMoto } from '../../support/moto.ts';
import { auditRecords, registrySnapshot } from '../policy/engine-support.ts';
import { policyOf } from '../policy/fleet-fixture.ts';
import {
  awsClients,
  groupInstances,
  groupLaunch,
  rollOut,
  rolloutRegistry,
  seedRollout,
  twoImages,
} from './rollout-fixture.ts';

const client = testEsClient();
const names = uniqueNames('imgrb');
const nowMs = Date.now();
let moto: MotoServer;
let clients: ReturnType<typeof awsClients>;
let a: string;
let b: string;
let onA: string[];
let onB: string[];

const raw = (dryRun: boolean) => ({
  name: 'web-images',
  onBadImage: { when: { silentWithin: '15m', share: 0.2, minInstances: 5 }, action: 'rollback' },
  action: { type: 'aws-asg', endpoint: moto.url, region: 'us-east-1' },
  safety: { maxConcurrent: 2, maxConcurrentPerGroup: 2, minHealthyShare: 0.3 },
  retry: { attempts: 1, backoff: '1s' },
  dryRun,
});

const engine = (collectorId: string, dryRun = false) =>
  createPolicyEngine({
    client,
    names,
    policy: policyOf(raw(dryRun)),
    now: () => nowMs,
    log: silentLogger,
    collectorId,
    intervalMs: 60_000,
  });

beforeAll(async () => {
  Object.assign(process.env, motoCredentials);
  moto = await startMoto();
  clients = awsClients(moto.url);
  [a, b] = await twoImages(clients.ec2);
  ({ onA, onB } = await rollOut(clients, 'web', a, b));
  await setupStorage(client, names);
  await seedRollout(client, names, rolloutRegistry(nowMs, 'web', a, b, onA, onB), a, b, nowMs);
}, 120_000);

afterAll(async () => {
  clients?.asg.destroy();
  clients?.ec2.destroy();
  await moto?.stop();
  await dropPrefix(client, names);
  await client.close();
});

describe('onBadImage: rollback as replacement', () => {
  it('the rollout is as the fixture says: 4 on A, 6 on B, the group on version 2 (B)', async () => {
    expect(onA).toHaveLength(4);
    expect(onB).toHaveLength(6);
    expect(await groupLaunch(clients, 'web')).toEqual({ version: '2', image: b, versions: 2 });
  });

  it('a dry run decides and audits the rollback and its replacements, and changes nothing', async () => {
    const before = await registrySnapshot(client, names);
    const report = await engine('c-dry', true).evaluateOnce();
    expect(report.images.decisions.map((d) => [d.imageId, d.outcome, d.reason, d.rollbackTo, d.via])).toEqual(
      [[b, 'taken', 'image_failing', a, 'lineage']],
    );
    expect(report.images.decisions[0]!.evidence).toMatchObject({
      launched: 6,
      silentEarly: 5,
      share: 0.8333,
    });
    expect(report.images.executed).toEqual([]);
    const planned = report.decisions.map((d) => [d.trigger, d.outcome, d.reason]);
    expect(planned.filter((p) => p[1] === 'taken')).toEqual([
      ['bad_image', 'taken', 'image_rolled_back'],
      ['bad_image', 'taken', 'image_rolled_back'],
    ]);
    expect(planned.filter((p) => p[1] === 'deferred')).toHaveLength(4);
    expect(report.executed).toEqual([]);
    expect(await groupLaunch(clients, 'web')).toEqual({ version: '2', image: b, versions: 2 });
    expect(await esBakeStore(client, names).imageMarks()).toEqual([]);
    const after = await registrySnapshot(client, names);
    expect([...after].map(([id, v]) => [id, v.seqNo])).toEqual([...before].map(([id, v]) => [id, v.seqNo]));
    const records = await auditRecords(client, names);
    const dry = records.filter((r) => r.source.kiln.decision.outcome === 'dry');
    expect(dry).toHaveLength(3);
    expect(
      dry.filter(
        (r) =>
          r.source.kiln.decision.trigger === 'bad_image' &&
          r.source.cloud.image?.id === b &&
          !r.source.cloud.instance,
      ),
    ).toHaveLength(1);
  });

  it('two collectors deciding at once roll back once: version 3 carries A, B instances replaced within the budget', async () => {
    const [one, two] = await Promise.all([engine('c-1').evaluateOnce(), engine('c-2').evaluateOnce()]);
    const rollbacks = [...one.images.executed, ...two.images.executed];
    expect(rollbacks).toEqual([{ decisionId: one.images.decisions[0]!.id, imageId: b, ok: true }]);
    expect(await moto.calls('CreateLaunchTemplateVersion')).toHaveLength(2); // the fixture's v2, and one rollback
    const created = (await moto.calls('CreateLaunchTemplateVersion')).at(-1)!;
    expect(created.get('SourceVersion')).toBe('2');
    expect(created.get('LaunchTemplateData.ImageId')).toBe(a);
    expect(await groupLaunch(clients, 'web')).toEqual({ version: '3', image: a, versions: 3 });

    const replaced = [...one.executed, ...two.executed];
    expect(replaced).toHaveLength(2);
    expect(replaced.every((e) => e.ok)).toBe(true);
    expect(replaced.every((e) => onB.includes(e.instanceId))).toBe(true);
    expect(await moto.calls('TerminateInstanceInAutoScalingGroup')).toHaveLength(2);
    const now = await groupInstances(clients, 'web');
    // moto's server handles the two concurrent terminations in threads and may launch one more
    // replacement than AWS would; what matters is that every new instance runs A.
    const fresh = now.filter((i) => !onA.includes(i.id) && !onB.includes(i.id));
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    expect(fresh.every((i) => i.image === a)).toBe(true);
    expect(
      now
        .filter((i) => i.image === b)
        .map((i) => i.id)
        .sort(),
    ).toEqual(onB.filter((id) => !replaced.some((e) => e.instanceId === id)).sort());
    expect(now.filter((i) => onA.includes(i.id)).map((i) => i.image)).toEqual([a, a, a, a]);

    const [mark] = await esBakeStore(client, names).imageMarks();
    expect(mark).toMatchObject({
      image_id: b,
      state: 'bad',
      rollback_to: a,
      groups: ['web'],
      bake_ids: ['bake-b'],
    });
    expect(mark!.rolled_back_at).toBeDefined();
    const bake = await client.get<any>({ index: names.state('bakes'), id: 'bake-b' });
    expect(bake._source.kiln.bake.marked_bad).toMatchObject({ image_id: b, decision_id: mark!.decision_id });
  });

  it('the audit shows every decision: one rollback taken with its launch-template change, two replacements, four waiting', async () => {
    const records = (await auditRecords(client, names)).filter((r) => !r.source.kiln.decision.dry_run);
    const image = records.filter(
      (r) => r.source.kiln.decision.trigger === 'bad_image' && !r.source.cloud.instance,
    );
    expect(image).toHaveLength(1);
    expect(image[0]!.source.kiln.decision).toMatchObject({
      outcome: 'taken',
      reason: 'image_failing',
      kind: 'rollback',
      rollback_to: a,
      launched: 6,
      silent_early: 5,
      policy: 'web-images',
    });
    expect(image[0]!.source.kiln.action).toMatchObject({
      type: 'aws-asg',
      detail: { web: { previous_version: 2, version: 3, previous_image: b, image: a } },
    });
    const instances = records.filter((r) => r.source.cloud.instance);
    const byOutcome = (o: string) => instances.filter((r) => r.source.kiln.decision.outcome === o).length;
    expect(byOutcome('taken')).toBe(2);
    expect(byOutcome('deferred')).toBe(4);
    expect(instances.every((r) => r.source.kiln.decision.trigger === 'bad_image')).toBe(true);
  });

  it('a later evaluation decides nothing new about the image (decided once per image)', async () => {
    const report = await engine('c-3').evaluateOnce();
    expect(report.images.decisions).toEqual([]);
    expect(report.images.rolledBack).toEqual([{ imageId: b, rollbackTo: a }]);
    expect(await moto.calls('CreateLaunchTemplateVersion')).toHaveLength(2);
    // Two replacements are in flight (no successor has reported in): the budget of 2 is spent.
    expect(report.decisions.filter((d) => d.outcome === 'taken')).toEqual([]);
    expect(report.decisions.filter((d) => d.reason === 'budget_spent')).toHaveLength(4);
  });
});

describe('the aws-asg rollback refuses what it must not do', () => {
  it('a group that moved on to another image is left alone (never forward and back at once)', async () => {
    const { CreateLaunchTemplateCommand, DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
    const { CreateAutoScalingGroupCommand } = await import('@aws-sdk/client-auto-scaling');
    const { createAwsAsgRollback } = await import('../../../collector/actions/rollback.ts');
    const images = (await clients.ec2.send(new DescribeImagesCommand({})))
      .Images!.map((i) => i.ImageId!)
      .sort();
    const c = images[2]!;
    const lt = await clients.ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'lt-api', LaunchTemplateData: { ImageId: c } }),
    );
    await clients.asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'api',
        LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplate!.LaunchTemplateId!, Version: '1' },
        MinSize: 0,
        MaxSize: 1,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    const rollback = createAwsAsgRollback({ type: 'aws-asg', endpoint: moto.url, region: 'us-east-1' });
    const req = { decisionId: 'd-x', group: 'api', badImageId: b, rollbackImageId: a };
    const result = await rollback.run(req);
    expect(result).toMatchObject({
      ok: false,
      retryable: false,
      error: `group api launches ${c} (launch template version 1), not the bad image ${b}: it has moved on, and kiln never rolls forward and back at once; roll it back by hand if that image is bad too`,
    });
    expect(await rollback.run({ ...req, rollbackImageId: c })).toMatchObject({
      ok: true,
      detail: { already: true },
    });
    expect(await rollback.run({ ...req, group: 'nope' })).toMatchObject({
      ok: false,
      error: 'Auto Scaling group nope does not exist',
    });
  });
});
