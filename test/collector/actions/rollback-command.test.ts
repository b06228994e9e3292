/** The command rollback (for groups Terraform owns): a real program, placeholders filled, decision in its environment. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createCommandRollback,
  createRollbackAction,
  rollbackArgv,
} from '../../../collector/actions/rollback.ts';

const request = { decisionId: 'd-1', group: 'web', badImageId: 'ami-b', rollbackImageId: 'ami-a' };

describe('rollback by command', () => {
  it('fills {rollback_image_id}, {bad_image_id} and {group} in the argv', () => {
    expect(
      rollbackArgv(
        [
          'terraform',
          'apply',
          '-auto-approve',
          '-var',
          'image_id={rollback_image_id}',
          '-var',
          'asg={group}',
          '# {bad_image_id}',
        ],
        request,
      ),
    ).toEqual([
      'terraform',
      'apply',
      '-auto-approve',
      '-var',
      'image_id=ami-a',
      '-var',
      'asg=web',
      '# ami-b',
    ]);
  });

  it('runs the program with the rollback in its environment and keeps its output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-rollback-cmd-'));
    const ledger = join(dir, 'ledger');
    const action = createCommandRollback({
      command: [
        'sh',
        '-c',
        `echo "$1 $KILN_BAD_IMAGE_ID $KILN_ROLLBACK_IMAGE_ID $KILN_GROUP $KILN_DECISION_ID" | tee -a ${ledger}`,
        'sh',
        'image_id={rollback_image_id}',
      ],
      timeout: 10_000,
      env: {},
    });
    const result = await action.run(request);
    expect(result).toMatchObject({ ok: true, exitCode: 0, output: 'image_id=ami-a ami-b ami-a web d-1\n' });
    expect(readFileSync(ledger, 'utf8')).toBe('image_id=ami-a ami-b ami-a web d-1\n');
  });

  it('reports a failing program as a failed result with its exit code', async () => {
    const action = createCommandRollback({
      command: ['sh', '-c', 'echo no state lock >&2; exit 3'],
      timeout: 10_000,
      env: {},
    });
    expect(await action.run(request)).toMatchObject({
      ok: false,
      exitCode: 3,
      error: 'sh exited with 3',
      output: 'no state lock\n',
    });
  });

  it('is chosen over aws-asg when the policy names one; neither exists for a webhook policy', () => {
    expect(
      createRollbackAction({ type: 'aws-asg' }, { command: ['true'], timeout: 1000, env: {} })?.type,
    ).toBe('command');
    expect(createRollbackAction({ type: 'aws-asg' }, undefined)?.type).toBe('aws-asg');
    expect(createRollbackAction({ type: 'notify' }, undefined)).toBeUndefined();
  });
});
