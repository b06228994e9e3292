/**
 * `kiln token` as an operator uses it: bound, single-use and fleet tokens, listing instance tokens,
 * revoking with the cascade, resetting an instance id. Checked by output and exit code against
 * the real Elasticsearch and an in-process collector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorServer } from '../../collector/ingest/server.ts';
import { setupStorage } from '../../collector/storage/setup.ts';
import { silentLogger } from '../../lib/log.ts';
import { runKiln } from '../dashboards/run-kiln.ts';
import { postEnroll, secretFor } from '../support/attested.ts';
import { countDocs, dropPrefix, testEsClient, testEsUrl, uniqueNames } from '../support/es.ts';

const client = testEsClient();
const names = uniqueNames('token-cli');
let server: CollectorServer;
let url: string;
const kiln = (...args: string[]) =>
  runKiln([...args, '--es-url', testEsUrl(), '--index-prefix', names.prefix]);

beforeAll(async () => {
  await setupStorage(client, names);
  server = new CollectorServer({ client, names, log: silentLogger, port: 0, tokenCacheTtlMs: 0 });
  url = await server.start();
});

afterAll(async () => {
  await server.stop();
  await dropPrefix(client, names);
  await client.close();
});

describe('kiln token', () => {
  it('refuses to make a token without saying who may use it', async () => {
    const run = await kiln('token', 'create');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'kiln: say who may use the token: --instance ID (repeatable), or --fleet for a fleet-wide trust-on-first-use token\n',
    );
  });

  it('makes a bound single-use token, lists it, and its instance token, and resets the instance', async () => {
    const created = await kiln('token', 'create', '--instance', 'host-db-1', '--single-use', '--json');
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout) as {
      token: string;
      id: string;
      scope: string;
      instanceIds: string[];
      singleUse: boolean;
    };
    expect(token).toMatchObject({ scope: 'bound', instanceIds: ['host-db-1'], singleUse: true, uses: 0 });
    const enrolled = await postEnroll(url, {
      enrollmentToken: token.token,
      enrollmentSecret: secretFor('db'),
      instance: { id: 'host-db-1' },
    });
    expect(enrolled.status).toBe(200);

    const list = await kiln('token', 'list');
    expect(list.stdout).toMatch(new RegExp(`${token.id.slice(0, 16)}\\s+host-db-1\\s+yes\\s+1\\s`));
    const instances = await kiln('token', 'list', '--instance', 'host-db-1');
    expect(instances.stdout).toContain('host-db-1');
    expect(instances.stdout).toContain('bound-token');
    expect(instances.stdout).toMatch(/1 instance token\n$/);

    const reset = await kiln('token', 'revoke', '--instance', 'host-db-1');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toBe(
      'reset host-db-1: revoked 1 instance token; its next enrollment is a first one\n',
    );
    expect(await countDocs(client, names.pattern('audit'), { term: { 'kiln.audit.code': 'reset' } })).toBe(1);
    const unknown = await kiln('token', 'revoke', '--instance', 'host-never');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('kiln: instance host-never never enrolled\n');
  });

  it('revokes a fleet token by its id prefix, with every instance token minted from it', async () => {
    const created = await kiln('token', 'create', '--fleet', '--description', 'lab', '--json');
    const token = JSON.parse(created.stdout) as { token: string; id: string };
    for (const id of ['host-lab-1', 'host-lab-2', 'host-lab-3']) {
      expect(
        (
          await postEnroll(url, {
            enrollmentToken: token.token,
            enrollmentSecret: secretFor(id),
            instance: { id },
          })
        ).status,
      ).toBe(200);
    }
    expect((await kiln('token', 'list')).stdout).toContain('fleet (trust on first use)');
    const revoke = await kiln('token', 'revoke', token.id.slice(0, 12));
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toBe(
      `revoked enrollment token ${token.id.slice(0, 16)} and 3 instance tokens minted from it\n`,
    );
    const minted = JSON.parse(
      (await kiln('token', 'list', '--enrollment', token.id, '--json')).stdout,
    ) as Array<{ revoked: boolean }>;
    expect(minted.map((t) => t.revoked)).toEqual([true, true, true]);
  });
});
