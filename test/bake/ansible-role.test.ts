/**
 * The kiln_agent Ansible role with the real ansible-playbook (local connection), installing
 * under an image-root directory: the same files and unit `kiln bake` installs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { agentConfigSchema } from '../../agent/config.ts';
import { renderUnit } from '../../bake/image-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-role-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bake/ansible/roles/kiln_agent', () => {
  it('installs agent, command, config without credentials and the ordered unit', () => {
    const root = join(dir, 'root');
    const playbook = join(dir, 'site.yml');
    writeFileSync(
      playbook,
      [
        '- hosts: localhost',
        '  gather_facts: false',
        '  roles:',
        '    - role: kiln_agent',
        '      vars:',
        `        kiln_image_root: ${root}`,
        `        kiln_agent_bundle: ${resolve('dist/kiln-agent.js')}`,
        `        kiln_agent_node_path: ${process.execPath}`,
        '        kiln_agent_after_units: [nginx.service]',
        '',
      ].join('\n'),
    );
    const run = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', playbook], {
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_ROLES_PATH: resolve('bake/ansible/roles'), ANSIBLE_NOCOLOR: '1' },
    });
    expect(run.stdout).toContain('failed=0');
    expect(run.status).toBe(0);
    expect(readFileSync(join(root, 'usr/local/lib/kiln/kiln-agent.js'))).toEqual(
      readFileSync('dist/kiln-agent.js'),
    );
    expect(statSync(join(root, 'usr/local/bin/kiln-agent')).mode & 0o777).toBe(0o755);
    const config = agentConfigSchema.parse(
      parseYaml(readFileSync(join(root, 'etc/kiln/agent.yaml'), 'utf8')),
    );
    expect(config.collector.attestation).toBe('aws-iid');
    expect(config.collector.enrollmentToken).toBeUndefined();
    expect(config.shutdown.deadlineMs).toBe(20_000);
    const unit = readFileSync(join(root, 'etc/systemd/system/kiln-agent.service'), 'utf8');
    // The role's unit is kiln bake's unit (plus its "managed by" comment).
    expect(unit.replace(/^#.*\n/, '').replace('Documentation=', '')).toBe(
      renderUnit({ nodePath: process.execPath, afterUnits: ['nginx.service'], shutdownDeadlineMs: 20_000 })
        .replace(/^Documentation=.*\n/m, '')
        .replace('Documentation=', ''),
    );
    expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/kiln-agent.service'))).toBe(
      '/etc/systemd/system/kiln-agent.service',
    );
  });
});
