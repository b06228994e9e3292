/** The local Elasticsearch itself: security on, clean stop (which Java runs it: java.test.ts). */
import { describe, expect, it } from 'vitest';
import { isAlive, probe, readLocalEsState, startLocalEs, stopLocalEs } from '../../../lib/local-es/index.ts';

describe('startLocalEs with security', () => {
  const name = `vitest-secure-${process.pid}`;

  it('requires the elastic password, then stops cleanly', async () => {
    const state = await startLocalEs({
      name,
      // The same version as the run's cluster (KILN_TEST_ES_VERSION, see test/global-setup.ts).
      ...(process.env.KILN_TEST_ES_VERSION ? { version: process.env.KILN_TEST_ES_VERSION } : {}),
      security: true,
      password: 'kiln-test-pass',
      heap: '384m',
      fresh: true,
    });
    try {
      expect(state.security).toBe(true);
      expect(await probe({ url: state.url, username: 'elastic', password: 'kiln-test-pass' })).toMatchObject({
        ok: true,
        version: state.version,
      });
      const anonymous = await fetch(`${state.url}/_cluster/health`);
      expect(anonymous.status).toBe(401);
      const wrong = await fetch(`${state.url}/_cluster/health`, {
        headers: { authorization: `Basic ${Buffer.from('elastic:wrong').toString('base64')}` },
      });
      expect(wrong.status).toBe(401);
      expect(readLocalEsState(name)?.password).toBe('kiln-test-pass');
    } finally {
      expect(await stopLocalEs(name)).toBe(true);
    }
    expect(isAlive(state.pid)).toBe(false);
    expect(await stopLocalEs(name)).toBe(false);
  });
});
