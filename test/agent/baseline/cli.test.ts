/**
 * `kiln-agent baseline capture|check` as the bake engineer and an operator run them: the digest
 * on stdout, exit 0 when clean and 3 when drifted, `--json`.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerAgentBaseline } from '../../../bin/commands/agent-baseline.ts';
import { makeSystemTree } from './fixture.ts';

/** Runs the command in-process; returns exit code and what it printed. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('kiln-agent').exitOverride();
  registerAgentBaseline(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'kiln-agent', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}

describe('kiln-agent baseline', () => {
  let root: string;
  let config: string;

  beforeEach(async () => {
    root = await makeSystemTree();
    config = path.join(root, 'agent.yaml');
    await writeFile(
      config,
      [
        'collector: { url: "https://collector.example:8443", enrollmentToken: { file: /etc/kiln/token } }',
        'drift:',
        '  roots: [/etc, /usr/bin]',
        '  allowlist: [/etc/app.conf]',
      ].join('\n'),
    );
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('capture writes the baseline under --root and prints its digest; check is clean (exit 0)', async () => {
    const captured = await run(['baseline', 'capture', '--root', root, '--config', config]);
    expect(captured.code).toBe(0);
    const file = path.join(root, 'etc/kiln/baseline.json');
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(captured.stdout).toBe(`${written.digest}\n`);
    expect(written.roots).toEqual(['/etc', '/usr/bin']);
    expect(written.allowlist).toContain('/etc/app.conf');
    expect(written.files['/etc/app.conf']).toBeUndefined();
    expect(written.files['/etc/kiln/baseline.json']).toBeUndefined();
    expect(Object.keys(written.packages)).toEqual(['nginx:amd64', 'openssl:amd64']);
    expect(captured.stderr).toMatch(
      /^baseline written to .*baseline\.json: 14 entries \(6 files hashed\), 2 packages, 1 enabled units, 2 users, 1 authorized_keys files\n$/,
    );

    const checked = await run(['baseline', 'check', '--root', root, '--config', config]);
    expect(checked).toEqual({ code: 0, stdout: `clean: matches baseline ${written.digest}\n`, stderr: '' });
  });

  it('check exits 3 when drifted and lists each difference, as text and as JSON', async () => {
    const out = path.join(root, 'baseline.json');
    await run(['baseline', 'capture', '--root', root, '--out', out, '--config', config]);
    await writeFile(path.join(root, 'usr/bin/tool'), '#!/bin/sh\necho TOOL\n');

    const text = await run(['baseline', 'check', '--root', root, '--baseline', out]);
    expect(text.code).toBe(3);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^changed file \/usr\/bin\/tool sha256: [0-9a-f]{64} -> [0-9a-f]{64}$/);
    expect(lines[1]).toMatch(/^drifted: 1 difference\(s\) from baseline sha256:[0-9a-f]{64}$/);

    const json = await run(['baseline', 'check', '--root', root, '--baseline', out, '--json']);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout);
    expect(report.status).toBe('drifted');
    expect(report.differences).toEqual([
      expect.objectContaining({
        change: 'changed',
        category: 'file',
        path: '/usr/bin/tool',
        attribute: 'sha256',
      }),
    ]);
  });

  it('fails with one line and exit 1 when the baseline is missing', async () => {
    const result = await run(['baseline', 'check', '--root', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `kiln: cannot read the baseline ${root}/etc/kiln/baseline.json (ENOENT); capture one with: kiln-agent baseline capture --out ${root}/etc/kiln/baseline.json\n`,
    );
  });
});
