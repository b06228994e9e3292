import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnrollmentToken, tokenFromUserData } from '../../../agent/runtime/enrollment-token.ts';

describe('tokenFromUserData', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['key=value line', '#!/bin/sh\nkiln_enrollment_token=kiln_enr_abc\n', 'kiln_enr_abc'],
    ['export with quotes', 'export kiln_enrollment_token="kiln_enr_q"\n', 'kiln_enr_q'],
    ['YAML style', 'role: web\nkiln_enrollment_token: kiln_enr_y\n', 'kiln_enr_y'],
    ['JSON', '{"kiln_enrollment_token":"kiln_enr_j","x":1}', 'kiln_enr_j'],
    ['absent', 'role=web\n', undefined],
    ['a longer key is not a match', 'kiln_enrollment_token_old=nope\n', undefined],
  ];
  for (const [name, userData, expected] of cases) {
    it(name, () => expect(tokenFromUserData(userData, 'kiln_enrollment_token')).toBe(expected));
  }
});

describe('readEnrollmentToken', () => {
  it('reads a file (trimmed) and an environment variable', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kiln-enr-')), 'token');
    writeFileSync(file, 'kiln_enr_file\n');
    expect(await readEnrollmentToken({ file }, 'http://unused', 100)).toBe('kiln_enr_file');
    process.env.KILN_TEST_ENROLL = 'kiln_enr_env';
    expect(await readEnrollmentToken({ env: 'KILN_TEST_ENROLL' }, 'http://unused', 100)).toBe('kiln_enr_env');
    await expect(
      readEnrollmentToken({ env: 'KILN_TEST_ENROLL_MISSING' }, 'http://unused', 100),
    ).rejects.toThrow(
      'no enrollment token in the environment variable KILN_TEST_ENROLL_MISSING; create one with `kiln token create`',
    );
  });

  it('reads EC2 user-data through IMDSv2 (PUT a session token, GET with it)', async () => {
    // EC2 instance metadata cannot run here: this server speaks IMDSv2 as AWS documents it.
    const seen: string[] = [];
    const imds = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('session-1');
      if (req.url === '/latest/user-data' && req.headers['x-aws-ec2-metadata-token'] === 'session-1')
        return res.end('kiln_enrollment_token=kiln_enr_imds\n');
      res.writeHead(401).end();
    });
    await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
    try {
      const token = await readEnrollmentToken({ userData: { key: 'kiln_enrollment_token' } }, url, 1000);
      expect(token).toBe('kiln_enr_imds');
      expect(seen).toEqual(['PUT /latest/api/token', 'GET /latest/user-data']);
    } finally {
      imds.close();
    }
  });
});
