/**
 * kiln's one client major against the run's real Elasticsearch (8.19 or 9.2, see .ci/run): the
 * 8.x client asks for `compatible-with=8`, which ES 8 serves natively and ES 9 serves through REST
 * API compatibility (https://www.elastic.co/guide/en/elasticsearch/reference/current/rest-api-compatibility.html).
 * A 9.x client would ask for `compatible-with=9`, which ES 8 refuses: that is why kiln keeps 8.x.
 * Seen on 9.2.4: requests with a body (search, bulk, index) are served in the 8 mode; bodiless ones
 * (GET health, DELETE index) carry `compatible-with=8,text/plain`, which Elasticsearch does not read
 * as a compatible version, so they are plain requests of the server's own version.
 */
import { describe, expect, it } from 'vitest';
import { testEsClient, testEsUrl } from '../support/es.ts';

const vendored = (major: number) => `application/vnd.elasticsearch+json; compatible-with=${major}`;

async function serverMajor(): Promise<number> {
  const nodes = (await (await fetch(`${testEsUrl()}/_nodes/_local?filter_path=nodes.*.version`)).json()) as {
    nodes: Record<string, { version: string }>;
  };
  return Number.parseInt(Object.values(nodes.nodes)[0]!.version, 10);
}

describe('the 8.x client on the run’s Elasticsearch', () => {
  it('sends a body with compatible-with=8 and gets the answer in that mode', async () => {
    const client = testEsClient();
    const sent: Array<Record<string, unknown>> = [];
    client.diagnostic.on('response', (_error, event) => {
      if (event) sent.push({ ...event.meta.request.params.headers });
    });
    const search = await client.search({ index: '*', size: 0, allow_no_indices: true }, { meta: true });
    expect(sent[0]?.['content-type']).toBe(vendored(8));
    expect(sent[0]?.accept).toBe(vendored(8));
    expect(search.headers['content-type']).toBe('application/vnd.elasticsearch+json;compatible-with=8');
    expect(search.statusCode).toBe(200);
    const health = await client.cluster.health({}, { meta: true });
    expect(sent[1]?.accept).toBe(`${vendored(8)},text/plain`);
    expect(['green', 'yellow']).toContain(health.body.status);
    await client.close();
  });

  it('is the only major both servers accept: ES 8 refuses what a 9.x client would send', async () => {
    const major = await serverMajor();
    expect([8, 9]).toContain(major);
    const ask = (m: number) =>
      fetch(`${testEsUrl()}/_cluster/health`, {
        headers: { accept: vendored(m), 'content-type': vendored(m) },
      });
    expect((await ask(8)).status).toBe(200);
    expect((await ask(9)).status).toBe(major === 9 ? 200 : 400);
    expect((await ask(major - 2)).status).toBe(400);
  });
});
