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
import { renderDriftFeedUnit, renderUnit } from '../../bake/image-files.ts';

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
        `        kiln_agent_executable: ${resolve(`dist/kiln-agent-linux-${process.arch}`)}`,
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
    // Buffer#equals: a deep toEqual over 100 MiB of bytes exhausts the test worker's heap.
    const installed = readFileSync(join(root, 'usr/local/lib/kiln/kiln-agent'));
    expect(installed.equals(readFileSync(`dist/kiln-agent-linux-${process.arch}`))).toBe(true);
    expect(statSync(join(root, 'usr/local/lib/kiln/kiln-agent')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(root, 'usr/local/bin/kiln-agent'))).toBe('/usr/local/lib/kiln/kiln-agent');
    expect(
      readFileSync(join(root, 'usr/local/lib/kiln/kiln-agent.cjs.map')).equals(
        readFileSync('dist/kiln-agent.cjs.map'),
      ),
    ).toBe(true);
    // The installed command runs with no Node on PATH (the executable carries its own runtime).
    const version = spawnSync(join(root, 'usr/local/lib/kiln/kiln-agent'), ['--version'], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent' },
    });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    const config = agentConfigSchema.parse(
      parseYaml(readFileSync(join(root, 'etc/kiln/agent.yaml'), 'utf8')),
    );
    expect(config.collector.attestation).toBe('aws-iid');
    expect(config.collector.enrollmentToken).toBeUndefined();
    expect(config.shutdown.deadlineMs).toBe(20_000);
    const unit = readFileSync(join(root, 'etc/systemd/system/kiln-agent.service'), 'utf8');
    // The role's unit is kiln bake's unit (plus its "managed by" comment).
    expect(unit.replace(/^#.*\n/, '').replace('Documentation=', '')).toBe(
      renderUnit({
        afterUnits: ['nginx.service'],
        shutdownDeadlineMs: 20_000,
        stateDir: '/var/lib/kiln-agent',
        heapMiB: 48,
        memoryMaxMiB: 160,
      })
        .replace(/^Documentation=.*\n/m, '')
        .replace('Documentation=', ''),
    );
    expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/kiln-agent.service'))).toBe(
      '/etc/systemd/system/kiln-agent.service',
    );
    // The drift change feed the build made beside the agent, and kiln bake's unit for it.
    const feed = `dist/kiln-drift-feed-linux-${process.arch}`;
    expect(readFileSync(join(root, 'usr/local/lib/kiln/kiln-drift-feed')).equals(readFileSync(feed))).toBe(
      true,
    );
    expect(statSync(join(root, 'usr/local/lib/kiln/kiln-drift-feed')).mode & 0o777).toBe(0o755);
    const feedUnit = readFileSync(join(root, 'etc/systemd/system/kiln-drift-feed.service'), 'utf8');
    expect(feedUnit.replace(/^#.*\n/, '')).toBe(renderDriftFeedUnit());
    expect(
      readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/kiln-drift-feed.service')),
    ).toBe('/etc/systemd/system/kiln-drift-feed.service');
  });
});
