/** The shipped CLI bundle: every command documents an example, failures are one line with a non-zero exit. */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = resolve(import.meta.dirname, '../../dist');

function kiln(...args: string[]) {
  const r = spawnSync(process.execPath, [join(dist, 'kiln.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, KILN_ES_URL: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function commandPaths(): string[][] {
  const top = kiln('--help').stdout;
  const names = [...top.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  const paths: string[][] = [];
  for (const name of names) {
    paths.push([name]);
    const sub = kiln(name, '--help').stdout;
    const section = sub.split('Commands:')[1] ?? '';
    for (const m of section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm))
      if (m[1] !== 'help') paths.push([name, m[1]!]);
  }
  return paths;
}

describe('kiln CLI', () => {
  it('gives every command --help with an example', () => {
    const paths = commandPaths();
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['local-es start', 'collector setup', 'collector run', 'token create', 'demo']),
    );
    for (const path of paths) {
      const help = kiln(...path, '--help');
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.stdout, `${path.join(' ')} --help`).toContain('Example:');
    }
  });

  it('fails with one line and exit 2 on bad usage', () => {
    const r = kiln('collector', 'retention', '--days', 'logs=soon', '--es-url', 'http://127.0.0.1:1');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'kiln: --days: "logs=soon" should be FAMILY=DAYS with FAMILY one of logs, facts, drift, lifecycle, actions, deadletter, audit\n',
    );
  });

  it('fails with one line and exit 1 when Elasticsearch is unreachable', () => {
    const r = kiln('collector', 'setup', '--es-url', 'http://127.0.0.1:1');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^kiln: installing index template kiln-logs failed: Elasticsearch at .* is unavailable|^kiln: installing index template kiln-logs failed: Elasticsearch is unavailable/,
    );
  });

  it('reports a local-es that is not running', () => {
    const r = kiln('local-es', 'status', '--name', 'never-started');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'kiln: local-es "never-started" is not running (start it with: kiln local-es start)\n',
    );
  });
});
