/**
 * onBadImage for a group another tool owns (Terraform): the rollback is a command with the old
 * image in its argv, and the bad image's instances are then replaced by the policy's own command
 * action under its budget. Real Elasticsearch, real processes, a fake clock.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esBakeStore } from '../../../bake/store/es-store.ts';
import { createPolicyEngine } from '../../../collector/policy/engine.ts';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { silentLogger } from '../../../lib/log.ts';
import { dropPrefix, testEsClient, uniqueNames } from '../../support/es.ts';
import { auditRecords, seedRegistry } from '../policy/engine-support.ts';
import { dayMs, policyOf, registryDoc } from '../policy/fleet-fixture.ts';

const client = testEsClient();
const names = uniqueNames('imgtf');
const nowMs = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'kiln-tf-owned-'));
const applied = join(dir, 'terraform-apply.log');
const replaced = join(dir, 'replaced.log');
const minute = 60_000;

const policy = policyOf({
  name: 'tf-web',
  onBadImage: {
    when: { silentWithin: '15m', share: 0.5, minInstances: 4 },
    command: {
      command: [
        'sh',
        '-c',
        `echo "terraform apply -var $1 ($KILN_BAD_IMAGE_ID, $KILN_GROUP)" >> ${applied}`,
        'sh',
        'image_id={rollback_image_id}',
      ],
    },
  },
  action: { type: 'command', command: ['sh', '-c', `echo "$KILN_INSTANCE_ID $KILN_TRIGGER" >> ${replaced}`] },
  safety: { maxConcurrent: 1, minHealthyShare: 0 },
  retry: { attempts: 1, backoff: '1s' },
});

beforeAll(async () => {
  await setupStorage(client, names);
  await seedRegistry(client, names, [
    ...[1, 2, 3].map((n) =>
      registryDoc({ id: `i-old-${n}`, ageMs: 3 * dayMs, group: 'tf-web', image: 'ami-old' }, nowMs),
    ),
    ...[1, 2, 3, 4].map((n) =>
      registryDoc(
        {
          id: `i-new-${n}`,
          ageMs: 20 * minute + n * 1000,
          group: 'tf-web',
          image: 'ami-new',
          ...(n <= 3 ? { status: 'silent' as const, silentForMs: 17 * minute + n * 1000 } : {}),
        },
        nowMs,
      ),
    ),
  ]);
});

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('onBadImage with onBadImage.command', () => {
  it('runs the rollback command once with the previous image of the group, then replaces one bad instance', async () => {
    const engine = createPolicyEngine({
      client,
      names,
      policy,
      now: () => nowMs,
      log: silentLogger,
      collectorId: 'c-1',
      intervalMs: 60_000,
    });
    const report = await engine.evaluateOnce();
    expect(report.images.decisions.map((d) => [d.imageId, d.outcome, d.rollbackTo, d.via])).toEqual([
      ['ami-new', 'taken', 'ami-old', 'group'],
    ]);
    expect(readFileSync(applied, 'utf8')).toBe('terraform apply -var image_id=ami-old (ami-new, tf-web)\n');
    expect(report.decisions.map((d) => [d.instanceId, d.trigger, d.outcome])).toEqual([
      ['i-new-4', 'bad_image', 'taken'],
      ['i-new-3', 'bad_image', 'deferred'],
      ['i-new-2', 'bad_image', 'deferred'],
      ['i-new-1', 'bad_image', 'deferred'],
    ]);
    expect(readFileSync(replaced, 'utf8')).toBe('i-new-4 bad_image\n');
    const [mark] = await esBakeStore(client, names).imageMarks();
    expect(mark).toMatchObject({
      image_id: 'ami-new',
      rollback_to: 'ami-old',
      groups: ['tf-web'],
      marked_by: 'policy tf-web',
    });
    const taken = (await auditRecords(client, names)).find((r) => r.id === report.images.decisions[0]!.id)!;
    expect(taken.source.kiln.action).toMatchObject({ type: 'command', exit_code: 0 });

    const again = await engine.evaluateOnce();
    expect(again.images.decisions).toEqual([]);
    expect(readFileSync(applied, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });
});
