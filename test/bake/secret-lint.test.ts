import { describe, expect, it } from 'vitest';
import { lintSecrets, summariseFindings } from '../../bake/secret-lint.ts';

const lint = (text: string, allow: string[] = []) => lintSecrets([{ path: 'f.yml', text }], allow);

describe('lintSecrets', () => {
  it.each([
    ['{\n  "aws_access_key": "AKIAIOSFODNN7EXAMPLE"\n}', 2, 'cloud-access-key', 'cloud access key id AKIA…'],
    ['key_id: ASIAY34FZKBOKMUTVV7A', 1, 'cloud-access-key', 'cloud access key id ASIA…'],
    ['x: |\n  -----BEGIN OPENSSH PRIVATE KEY-----', 2, 'private-key', 'OPENSSH private key block'],
    ['-----BEGIN PRIVATE KEY-----', 1, 'private-key', 'private key block'],
    ['db_password: hunter2', 1, 'plain-secret', '"db_password" holds a plain value (hunt…)'],
    ['  - api_token = "abc123xyz"', 1, 'plain-secret', '"api_token" holds a plain value (abc1…)'],
    [
      '{"client_secret": "s3cr3t-value", "region": "x"}',
      1,
      'plain-secret',
      '"client_secret" holds a plain value (s3cr…)',
    ],
    ['vars:\n  vault_password: "p4ss"', 2, 'plain-secret', '"vault_password" holds a plain value (****)'],
  ])('finds a credential in %j', (text, line, rule, detail) => {
    expect(lint(text)).toEqual([{ file: 'f.yml', line, rule, detail }]);
  });

  it.each([
    ['ssh_private_key_file: /home/me/.ssh/id_ed25519'],
    ["db_password: \"{{ lookup('aws_ssm', '/db/password') }}\""],
    ['db_password: "{{ vault_db_password }}"'],
    ['password = "${var.db_password}"'],
    ['db_password: !vault |'],
    ['enrollmentToken:'],
    ['  enrollmentToken: { file: /etc/kiln/token }'],
    ['token_ttl: 3600'],
    ['# no credentials here: the token comes at run time'],
    ['- name: set the password policy'],
    ['password_length: 32'],
    ['password:'],
  ])('accepts %j', (text) => {
    expect(lint(text)).toEqual([]);
  });

  it('accepts reviewed findings matching --allow-secret (file:line or text)', () => {
    const text = 'db_password: hunter2\ndocs_example: AKIAIOSFODNN7EXAMPLE';
    expect(lint(text, ['AKIAIOSFODNN7EXAMPLE']).map((f) => f.line)).toEqual([1]);
    expect(lint(text, ['^f\\.yml:1 ']).map((f) => f.line)).toEqual([2]);
  });

  it('summarises findings with file and line', () => {
    const findings = lintSecrets([
      { path: 'a.json', text: '"k": "AKIAIOSFODNN7EXAMPLE"' },
      { path: 'b.yml', text: 'x: 1\npassword: pw123456' },
    ]);
    expect(summariseFindings(findings)).toBe(
      'a.json:1: cloud access key id AKIA…; b.yml:2: "password" holds a plain value (pw12…)',
    );
  });
});
