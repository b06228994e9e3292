/**
 * The entry files of the bundles (scripts/entry-template.mjs): one readable line and exit 1 on a
 * Node.js older than 22 (here: this Node made to report 20.20.2 by a preload, since the check
 * reads process.versions), --version without loading the bundle, and the bundle otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const preload = join(mkdtempSync(join(tmpdir(), 'kiln-entry-')), 'node20.mjs');
writeFileSync(
  preload,
  "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });\nObject.defineProperty(process, 'version', { value: 'v20.20.2' });\n",
);

function run(entry: string, args: string[], oldNode = false) {
  const result = spawnSync(
    process.execPath,
    [...(oldNode ? ['--import', preload] : []), resolve('dist', entry), ...args],
    {
      encoding: 'utf8',
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('entry files', () => {
  it.each(['kiln.js', 'kiln-agent.js'])(
    '%s says in one line that Node.js 22 is needed, and exits 1',
    (entry) => {
      for (const args of [['--version'], ['--help'], ['run', '--config', 'x']]) {
        const r = run(entry, args, true);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(
          `${entry.replace('.js', '')}: Node.js 22 or newer is needed; this is Node.js v20.20.2 (scripts/ensure-node.sh installs one)\n`,
        );
      }
    },
  );

  it('answers --version with the package version, and runs the bundle for anything else', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as {
      version: string;
    };
    expect(run('kiln.js', ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(run('kiln-agent.js', ['-V'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const help = run('kiln.js', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kiln: observe immutable servers');
  });
});
