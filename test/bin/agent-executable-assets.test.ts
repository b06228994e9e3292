/**
 * The self-contained agent compiles the OpenTelemetry SDK and the AWS SSM client from its SEA
 * assets only when configured (scripts/build-sea.mjs `lazyPackages`): both must still load and
 * work from the executable, on a machine with no node_modules.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/local-es/index.ts';

const executable = resolve(import.meta.dirname, '../../dist', `kiln-agent-linux-${process.arch}`);
const dir = mkdtempSync(join(tmpdir(), 'kiln-sea-assets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dist/kiln-agent-linux-<arch>', () => {
  it('starts self-telemetry and asks SSM for its enrollment token from the lazily compiled assets', async () => {
    const ssmPort = await freePort(); // nothing listens there
    const config = join(dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        collector: {
          url: 'http://127.0.0.1:9',
          enrollmentToken: {
            ssmParameter: {
              name: '/kiln/token',
              endpoint: `http://127.0.0.1:${ssmPort}`,
              region: 'eu-west-1',
            },
          },
        },
        stateDir: join(dir, 'state'),
        instanceId: 'i-sea-assets',
        inputs: { files: [{ include: [join(dir, '*.log')] }] },
        facts: { enabled: false },
        drift: { enabled: false },
      }),
    );
    const child = spawn(executable, ['run', '--config', config], {
      // No NODE_PATH, no node_modules beside it: only what the executable carries.
      cwd: dir,
      env: {
        PATH: '/usr/bin:/bin',
        KILN_LOG_LEVEL: 'info',
        OTEL_METRICS_EXPORTER: 'console',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const refused = `connect ECONNREFUSED 127.0.0.1:${ssmPort}`;
    const deadline = Date.now() + 30_000;
    while (!output.includes(refused) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    await exited;
    const records = output
      .split('\n')
      .filter((l) => l.startsWith('{"@timestamp"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((r) => r.message === 'self-telemetry on')).toMatchObject({
      'log.logger': 'kiln-agent.telemetry',
      'otel.metrics.exporter': 'console',
    });
    // The SSM client ran: its request to the parameter's endpoint was refused (not a missing module).
    expect(records.some((r) => r['error.message'] === refused)).toBe(true);
    expect(output).not.toMatch(/ERR_UNKNOWN_BUILTIN_MODULE|Cannot find module/);
  });

  it("with KILN_DEBUG names kiln's own source files and lines, under the unit's 48 MiB heap", () => {
    const run = (env: Record<string, string>) =>
      spawnSync(executable, ['run', '--config', join(dir, 'missing.yaml')], {
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: '--max-old-space-size=48', ...env },
      });
    const plain = run({});
    expect(plain.status).toBe(2);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    const debug = run({ KILN_DEBUG: '1' });
    expect(debug.status).toBe(2);
    // The map beside the executable (dist/kiln-agent.cjs.map; /usr/local/lib/kiln in an image).
    expect(debug.stderr).toMatch(/at loadConfigFile \(\/kiln\/lib\/config\.ts:\d+:\d+\)/);
    expect(debug.stderr).toMatch(/at loadAgentConfig \(\/kiln\/agent\/config\.ts:\d+:\d+\)/);
  });
});
