import { describe, expect, it } from 'vitest';
import { packerBuildArgv, parseAnsibleVersion, parsePackerVersion } from '../../bake/argv.ts';

describe('packer and ansible command lines', () => {
  it('builds packer build argv with sorted variables and var files', () => {
    expect(
      packerBuildArgv({
        template: '/w/t.json',
        variables: { z: '1', a: 'x=y' },
        varFiles: ['/v.json'],
        force: true,
      }),
    ).toEqual([
      'build',
      '-machine-readable',
      '-color=false',
      '-force',
      '-var',
      'a=x=y',
      '-var',
      'z=1',
      '-var-file=/v.json',
      '/w/t.json',
    ]);
  });

  it.each([
    ['Packer v1.6.6\n', '1.6.6'],
    ['Packer v1.6.6\n\nYour version of Packer is out of date! The latest version\nis 1.11.2.', '1.6.6'],
    ['nonsense', undefined],
  ])('parses packer version %j', (output, version) => {
    expect(parsePackerVersion(output)).toBe(version);
  });

  it.each([
    ['ansible [core 2.14.18]\n  config file = None\n', '2.14.18'],
    ['ansible 2.9.6\n  config file = /etc/ansible/ansible.cfg\n', '2.9.6'],
    ['', undefined],
  ])('parses ansible version %j', (output, version) => {
    expect(parseAnsibleVersion(output)).toBe(version);
  });
});
