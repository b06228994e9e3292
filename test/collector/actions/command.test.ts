import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCommandAction, maxOutputBytes } from '../../../collector/actions/command.ts';
import { commandActionSchema } from '../../../collector/actions/config.ts';
import { planDecisions } from '../../../collector/policy/planner.ts';
import { dayMs, policyOf, registryDoc } from '../policy/fleet-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-command-'));
const script = join(dir, 'replace.sh');
writeFileSync(
  script,
  [
    '#!/bin/sh',
    'echo "replacing $KILN_INSTANCE_ID in $KILN_GROUP ($KILN_REASON, decision $KILN_DECISION_ID, attempt $KILN_ATTEMPT)"',
    'echo "warning on stderr" >&2',
    'echo "$KILN_INSTANCE_ID" >> "$LEDGER"',
    '[ -n "$EXIT_WITH" ] || EXIT_WITH=0',
    'exit "$EXIT_WITH"',
  ].join('\n'),
  { mode: 0o755 },
);

function request() {
  const doc = registryDoc({ id: 'i-0cmd', ageMs: 30 * dayMs, group: 'api' });
  const [decision] = planDecisions(
    [doc],
    policyOf({ maxAge: '7d', safety: { minHealthyShare: 0 } }),
    Date.now(),
    [],
  );
  return {
    decision: decision!,
    instance: doc,
    policyName: 'p',
    attempt: 2,
    decidedAt: new Date().toISOString(),
  };
}

const config = (extra: Record<string, unknown> = {}) =>
  commandActionSchema.parse({
    type: 'command',
    command: [script],
    timeout: '10s',
    env: { LEDGER: join(dir, 'ledger') },
    ...extra,
  });

describe('command action with a script', () => {
  it('runs the script with the decision in its environment and captures stdout and stderr', async () => {
    const req = request();
    const result = await createCommandAction(config()).run(req);
    expect(result).toMatchObject({
      ok: true,
      exitCode: 0,
      output: `replacing i-0cmd in api (max_age_exceeded, decision ${req.decision.id}, attempt 2)\nwarning on stderr\n`,
    });
    expect(readFileSync(join(dir, 'ledger'), 'utf8')).toBe('i-0cmd\n');
  });

  it('a non-zero exit is a failure with its exit code and output', async () => {
    const result = await createCommandAction(
      config({ env: { LEDGER: join(dir, 'ledger2'), EXIT_WITH: '3' } }),
    ).run(request());
    expect(result).toMatchObject({ ok: false, exitCode: 3, error: `${script} exited with 3` });
    expect(result.output).toContain('replacing i-0cmd in api');
  });

  it('kills a command that outlives its timeout', async () => {
    const result = await createCommandAction(config({ command: ['sleep', '30'], timeout: '300ms' })).run(
      request(),
    );
    expect(result).toMatchObject({
      ok: false,
      error: 'sleep did not finish within its timeout of 300 ms and was killed',
    });
  });

  it('reports a program that does not exist', async () => {
    const result = await createCommandAction(config({ command: [join(dir, 'missing')] })).run(request());
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^cannot run .*missing: spawn .* ENOENT$/);
  });

  it('keeps only the last 64 KiB of a long output', async () => {
    const result = await createCommandAction(
      config({ command: ['sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" x; echo END'] }),
    ).run(request());
    expect(result.ok).toBe(true);
    expect(Buffer.byteLength(result.output!)).toBe(maxOutputBytes);
    expect(result.output!.endsWith('xEND\n')).toBe(true);
  });
});
