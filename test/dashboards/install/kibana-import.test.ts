/**
 * `kiln dashboards install` against a fake Kibana (test/dashboards/install/fake-kibana.ts): it
 * stands in for Kibana because none can run here, and follows the import API's contract.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionAtLeast } from '../../../dashboards/install/kibana-import.ts';
import { kibanaApiUrl, kibanaHeaders } from '../../../dashboards/install/kibana-target.ts';
import { runKiln } from '../run-kiln.ts';
import { type FakeKibana, startFakeKibana } from './fake-kibana.ts';

const apiKey = Buffer.from('key-id:key-secret').toString('base64');
const basic = `Basic ${Buffer.from('elastic:changeme').toString('base64')}`;
let kibana: FakeKibana;

beforeAll(async () => {
  kibana = await startFakeKibana({ version: '8.19.0', acceptedAuth: [`ApiKey ${apiKey}`, basic] });
});
afterAll(async () => {
  await kibana.close();
});

describe('kibana target', () => {
  it.each([
    [{ url: 'http://k:5601' }, '/api/status', 'http://k:5601/api/status'],
    [{ url: 'http://k:5601/', space: 'ops' }, '/api/status', 'http://k:5601/s/ops/api/status'],
    [{ url: 'https://k/kibana/', space: 'default' }, '/api/x', 'https://k/kibana/api/x'],
  ])('%j + %s → %s', (target, path, url) => {
    expect(kibanaApiUrl(target, path)).toBe(url);
  });

  it('sends kbn-xsrf always, and the auth that was given', () => {
    expect(kibanaHeaders({ url: 'http://k' })).toEqual({ 'kbn-xsrf': 'true' });
    expect(kibanaHeaders({ url: 'http://k', apiKey: 'abc' }).authorization).toBe('ApiKey abc');
    expect(kibanaHeaders({ url: 'http://k', username: 'elastic', password: 'changeme' }).authorization).toBe(
      basic,
    );
    expect(() => kibanaHeaders({ url: 'http://k', apiKey: 'a', username: 'b' })).toThrow(
      /either --api-key or --username/,
    );
  });

  it.each([
    ['8.19.0', true],
    ['8.9.0', true],
    ['9.1.2', true],
    ['8.8.2', false],
    ['7.17.9', false],
  ])('Kibana %s is new enough: %s', (version, ok) => {
    expect(versionAtLeast(version, '8.9.0')).toBe(ok);
  });
});

describe('kiln dashboards install', () => {
  it('imports all 45 objects into a space with an API key, as one multipart .ndjson file', async () => {
    const run = await runKiln([
      'dashboards',
      'install',
      '--kibana-url',
      kibana.url,
      '--space',
      'ops',
      '--api-key',
      apiKey,
      '--overwrite',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`imported 45 saved objects into Kibana 8.19.0 at ${kibana.url} (space ops)\n`);
    const importRequest = kibana.requests.find((r) => r.method === 'POST')!;
    expect(importRequest.path).toBe('/s/ops/api/saved_objects/_import');
    expect(importRequest.query).toEqual({ overwrite: 'true' });
    expect(importRequest.headers['kbn-xsrf']).toBe('true');
    expect(importRequest.headers.authorization).toBe(`ApiKey ${apiKey}`);
    expect(importRequest.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(importRequest.fileName).toBe('kiln-saved-objects.ndjson');
    expect(kibana.spaces.get('ops')?.size).toBe(45);
  });

  it('reports each conflict on its own line when the objects exist and --overwrite is not given', async () => {
    const run = await runKiln([
      'dashboards',
      'install',
      '--kibana-url',
      kibana.url,
      '--space',
      'ops',
      '--username',
      'elastic',
      '--password',
      'changeme',
    ]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('kiln: Kibana imported 0 of 45 saved objects; 45 failed:');
    expect(lines).toHaveLength(46);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}dashboard [0-9a-f-]{36} "\[kiln\] Fleet overview": conflict: an object with this id already exists; run again with --overwrite to replace it$/,
      ),
    );
  });

  it('shows the per-object errors Kibana returns for types and versions it does not know', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-dash-'));
    const file = join(dir, 'objects.ndjson');
    writeFileSync(
      file,
      [
        { id: 'w1', type: 'canvas-workpad', attributes: { title: 'old pad' } },
        { id: 'l1', type: 'lens', typeMigrationVersion: '99.0.0', attributes: { title: '[kiln] future' } },
        {
          id: 'd1',
          type: 'index-pattern',
          typeMigrationVersion: '8.0.0',
          attributes: { title: 'kiln-logs-*' },
        },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    const run = await runKiln([
      'dashboards',
      'install',
      '--kibana-url',
      kibana.url,
      '--api-key',
      apiKey,
      '--file',
      file,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        'kiln: Kibana imported 1 of 3 saved objects; 2 failed:',
        '  canvas-workpad w1 "old pad": unsupported_type: this Kibana does not know the object type; it needs Kibana 8.9 or newer',
        '  lens l1 "[kiln] future": unknown: Document "l1" belongs to a more recent version of Kibana [99.0.0] when the last known version is [8.19.0].',
        '',
      ].join('\n'),
    );
  });

  it('fails in one line when Kibana refuses the credentials, without importing', async () => {
    const before = kibana.requests.length;
    const run = await runKiln([
      'dashboards',
      'install',
      '--kibana-url',
      kibana.url,
      '--username',
      'elastic',
      '--password',
      'wrong',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `kiln: Kibana at ${kibana.url} refused user "elastic" (HTTP 401 Unauthorized: [security_exception]: unable to authenticate user); check --api-key or --username/--password\n`,
    );
    expect(kibana.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
  });

  it('fails in one line when Kibana is unreachable', async () => {
    const gone = await startFakeKibana({ version: '8.19.0' });
    await gone.close();
    const run = await runKiln(['dashboards', 'install', '--kibana-url', gone.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `kiln: cannot reach Kibana at ${gone.url} (ECONNREFUSED); check --kibana-url and that Kibana is running\n`,
    );
  });

  it('refuses a Kibana older than 8.9 before importing anything', async () => {
    const old = await startFakeKibana({ version: '8.6.2' });
    try {
      const run = await runKiln(['dashboards', 'install', '--kibana-url', old.url]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `kiln: Kibana 8.6.2 at ${old.url} is older than 8.9.0, the oldest that reads kiln's saved objects; upgrade Kibana\n`,
      );
      expect(old.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/status']);
    } finally {
      await old.close();
    }
  });

  it('--dry-run checks Kibana and imports nothing', async () => {
    const fresh = await startFakeKibana({ version: '8.15.1' });
    try {
      const run = await runKiln([
        'dashboards',
        'install',
        '--kibana-url',
        fresh.url,
        '--dry-run',
        '--index-prefix',
        'prod',
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`dry run: would import 45 saved objects into Kibana 8.15.1 at ${fresh.url}\n`);
      expect(fresh.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/status']);
    } finally {
      await fresh.close();
    }
  });

  it('needs a Kibana URL', async () => {
    const run = await runKiln(['dashboards', 'install'], { KILN_KIBANA_URL: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('kiln: kiln dashboards install needs --kibana-url (or KILN_KIBANA_URL)\n');
  });
});
