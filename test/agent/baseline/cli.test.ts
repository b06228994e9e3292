/**
 * `kiln-agent baseline capture|check` as the bake engineer and an operator run them: the digest
 * on stdout, exit 0 when clean and 3 when drifted, `--json`.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { baselineEntries, openBaseline } from '../../../agent/baseline/baseline-file.ts';
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
    const written = await openBaseline(file);
    const paths: string[] = [];
    for await (const e of baselineEntries(written)) paths.push(e.path);
    expect(captured.stdout).toBe(`${written.digest}\n`);
    expect(written.header.roots).toEqual(['/etc', '/usr/bin']);
    expect(written.header.allowlist).toContain('/etc/app.conf');
    expect(paths).not.toContain('/etc/app.conf');
    expect(paths).not.toContain('/etc/kiln/baseline.json');
    expect(Object.keys(written.header.packages)).toEqual(['nginx:amd64', 'openssl:amd64']);
    expect(captured.stderr).toMatch(
      /^baseline written to .*baseline\.json: 14 entries \(6 files hashed\), 2 packages, 1 enabled units, 2 users, 1 authorized_keys files, 0 kernel modules\n$/,
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
    expect(lines[0]).toMatch(
      /^changed file \/usr\/bin\/tool sha256: [0-9a-f]{64} -> [0-9a-f]{64} \[critical\]$/,
    );
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
        severity: 'critical',
      }),
    ]);
  });

  it('show prints the header, the allowlist and the entries under the given paths, as text and JSON', async () => {
    const out = path.join(root, 'baseline.json');
    const captured = await run(['baseline', 'capture', '--root', root, '--out', out, '--config', config]);
    const digest = captured.stdout.trim();
    const text = await run(['baseline', 'show', '--baseline', out, '/usr/bin']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      `baseline ${out}`,
      'format kiln-baseline/2',
      `digest ${digest}`,
      expect.stringMatching(/^captured \d{4}-\d\d-\d\dT/),
      'roots /etc /usr/bin',
    ]);
    expect(lines).toContain('  /etc/ssh/ssh_host_*');
    expect(lines).toContain('  /etc/app.conf');
    expect(lines.filter((l) => l.startsWith('/'))).toEqual([
      expect.stringMatching(/^\/usr\/bin\tdir 0755 0:0 inode \d+$/),
      expect.stringMatching(/^\/usr\/bin\/other\tfile 0755 0:0 21 bytes sha256:[0-9a-f]{64} inode \d+$/),
      expect.stringMatching(/^\/usr\/bin\/tool\tfile 0755 0:0 20 bytes sha256:[0-9a-f]{64} inode \d+$/),
    ]);
    const json = await run(['baseline', 'show', '--baseline', out, '--json', '/usr/bin/tool']);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({
      format: 'kiln-baseline/2',
      digest,
      entryCount: 14,
      roots: ['/etc', '/usr/bin'],
    });
    expect(doc.entries).toEqual([
      {
        path: '/usr/bin/tool',
        type: 'file',
        mode: '0755',
        owner: 0,
        group: 0,
        size: 20,
        ino: expect.any(Number),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    const none = await run(['baseline', 'show', '--baseline', out, '/nowhere']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`kiln: no entry at or under /nowhere in ${out}\n`);
  });

  it('fails with one line and exit 1 when the baseline is missing', async () => {
    const result = await run(['baseline', 'check', '--root', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `kiln: cannot read the baseline ${root}/etc/kiln/baseline.json (ENOENT); capture one with: kiln-agent baseline capture --out ${root}/etc/kiln/baseline.json\n`,
    );
  });
});
