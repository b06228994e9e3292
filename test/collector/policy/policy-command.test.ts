/** `kiln policy plan|run` as a user runs them: the real CLI (bin/kiln.ts under this Node) against the real Elasticsearch. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupStorage } from '../../../collector/storage/setup.ts';
import { dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../../support/es.ts';
import { auditRecords, registrySnapshot, seedRegistry } from './engine-support.ts';
import { dayMs, registryDoc } from './fleet-fixture.ts';

const client = testEsClient();
const names = uniqueNames('polcli');
const dir = mkdtempSync(join(tmpdir(), 'kiln-policy-cli-'));
const entry = join(import.meta.dirname, '../../../bin/kiln.ts');

function kiln(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args, '--es-url', testEsUrl(), '--index-prefix', names.prefix],
      { timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const policyFile = join(dir, 'policy.yaml');
/** The registry is seeded as of this time; plans are asked `--at` it, so ages are exact. */
const seededAt = Date.now();
const at = new Date(seededAt).toISOString();
const ledger = join(dir, 'ledger');

beforeAll(async () => {
  await setupStorage(client, names);
  const now = seededAt;
  await seedRegistry(client, names, [
    registryDoc({ id: 'i-oldest', ageMs: 30 * dayMs, group: 'web' }, now),
    registryDoc({ id: 'i-older', ageMs: 20 * dayMs, group: 'web' }, now),
    registryDoc({ id: 'i-young', ageMs: dayMs, group: 'web' }, now),
  ]);
  writeFileSync(
    policyFile,
    [
      'name: cli-test',
      'maxAge: 7d',
      'spreadPercent: 0',
      'action:',
      '  type: command',
      `  command: ["sh", "-c", "echo $KILN_INSTANCE_ID >> ${ledger}"]`,
      'safety: {maxConcurrent: 1, minHealthyShare: 0}',
    ].join('\n'),
  );
});

afterAll(async () => {
  await dropPrefix(client, names);
  await client.close();
});

describe('kiln policy', () => {
  it('plan --json lists what goes now, in order, and why the rest waits; it changes nothing', async () => {
    const run = await kiln('policy', 'plan', '--policy', policyFile, '--json', '--at', at);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({
      policy: 'cli-test',
      at,
      dryRun: false,
      killSwitch: false,
      windowOpen: true,
      inFlight: [],
    });
    expect(
      plan.decisions.map((d: Record<string, unknown>) => [
        d.order,
        d.instanceId,
        d.outcome,
        d.reason,
        d.reasonText,
      ]),
    ).toEqual([
      [
        1,
        'i-oldest',
        'taken',
        'max_age_exceeded',
        'age 30d reached its limit 7d (maxAge 7d less its spread)',
      ],
      [
        2,
        'i-older',
        'deferred',
        'budget_spent',
        'fleet budget spent: 1 of maxConcurrent 1 replacements in flight',
      ],
    ]);
    expect(await auditRecords(client, names)).toEqual([]);
  });

  it('plan prints a table for people', async () => {
    const run = await kiln('policy', 'plan', '--policy', policyFile, '--at', at);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('now (1):');
    expect(run.stdout).toMatch(
      /^1 +i-oldest +web +30d +max_age +command +max_age_exceeded +age 30d reached/m,
    );
    expect(run.stdout).toContain('waiting (1):');
    expect(run.stdout).toMatch(
      /^2 +i-older +web +20d +max_age +command +deferred: budget_spent +fleet budget spent/m,
    );
  });

  it('run --once acts on the plan, audits it, and the next plan shows the replacement in flight', async () => {
    const run = await kiln('policy', 'run', '--policy', policyFile, '--once', '--collector-id', 'cli');
    expect(run.stderr).not.toContain('"log.level":"error"');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('taken 1, deferred 1, skipped 0, executed 1, failed 0, completed 0\n');
    expect(readFileSync(ledger, 'utf8')).toBe('i-oldest\n');
    expect((await registrySnapshot(client, names)).get('i-oldest')!.doc.kiln.status).toBe('replacing');
    const records = await auditRecords(client, names);
    expect(records.map((r) => [r.source.cloud.instance.id, r.source.kiln.decision.outcome])).toEqual(
      expect.arrayContaining([
        ['i-oldest', 'taken'],
        ['i-older', 'deferred'],
      ]),
    );
    expect(records).toHaveLength(2);
    const plan = JSON.parse((await kiln('policy', 'plan', '--policy', policyFile, '--json')).stdout);
    expect(plan.inFlight.map((f: Record<string, unknown>) => f.instanceId)).toEqual(['i-oldest']);
    expect(plan.decisions.map((d: Record<string, unknown>) => [d.instanceId, d.outcome])).toEqual([
      ['i-older', 'deferred'],
    ]);
  });

  it('a bad policy fails with one line naming file, key and expectation, exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nmaxAge: 7 days\naction: {type: notify}\n');
    const run = await kiln('policy', 'plan', '--policy', bad);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`kiln: ${bad}: maxAge: expected a duration such as 30s, 10m, 12h or 7d\n`);
  });
});
