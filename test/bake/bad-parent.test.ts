/** `kiln bake` warns before baking from an image the fleet marked bad (the local store, a dry run: nothing is built). */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { badParentWarning } from '../../bake/lineage.ts';
import { localBakeStore } from '../../bake/store/local-store.ts';
import type { TestSshd } from '../support/sshd.ts';
import { createWorkspace, runKiln } from './fixture.ts';

// A dry run never connects: the workspace only needs an address to write into the template.
const ws = createWorkspace({
  host: '127.0.0.1',
  port: 9,
  user: 'nobody',
  privateKeyFile: '/dev/null',
} as TestSshd);

afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

const mark = {
  image_id: 'ami-0aaaabbbbccccdddd',
  state: 'bad' as const,
  reason: '5 of 6 instances went silent within 15m of boot',
  marked_at: '2026-12-01T10:00:00.000Z',
  decision_id: 'd-1',
  marked_by: 'policy web',
};

describe('kiln bake and a bad source image', () => {
  it('says nothing while the source image is not marked', async () => {
    const run = await runKiln(['bake', '--config', ws.config, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('WARNING');
  });

  it('warns on stderr, naming the mark, once the source image is marked bad', async () => {
    const store = localBakeStore(ws.outputDir);
    expect((await store.markImageBad(mark)).created).toBe(true);
    expect((await store.markImageBad(mark)).created).toBe(false);
    const run = await runKiln(['bake', '--config', ws.config, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`WARNING: ${badParentWarning([mark], 'ami-0aaaabbbbccccdddd')}`);
    expect(badParentWarning([mark], 'us-east-1:ami-0aaaabbbbccccdddd')).toBe(
      'the source image us-east-1:ami-0aaaabbbbccccdddd was marked bad at 2026-12-01T10:00:00.000Z (policy web: 5 of 6 instances went silent within 15m of boot); an image baked from it inherits what made it fail — bake from its predecessor unless you know the cause is fixed',
    );
    expect(badParentWarning([mark], 'ami-other')).toBeUndefined();
  });
});
