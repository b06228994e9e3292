import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBakeConfig } from '../../bake/config.ts';
import { collectInputs } from '../../bake/inputs.ts';
import { bakeKey } from '../../bake/key.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function workspace(name: string) {
  const root = join(dir, name);
  mkdirSync(join(root, 'playbook/roles/web/tasks'), { recursive: true });
  mkdirSync(join(root, 'playbook/.git'), { recursive: true });
  writeFileSync(
    join(root, 'template.json'),
    JSON.stringify({ builders: [{ type: 'null', source_ami: 'ami-1' }] }),
  );
  writeFileSync(join(root, 'playbook/site.yml'), '- hosts: all\n  roles: [web]\n');
  writeFileSync(join(root, 'playbook/roles/web/tasks/main.yml'), '- debug: msg=hi\n');
  writeFileSync(
    join(root, 'playbook/requirements.yml'),
    'roles:\n  - name: geerlingguy.nginx\n    version: 3.2.0\n',
  );
  writeFileSync(join(root, 'playbook/.git/HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(
    join(root, 'agent.yaml'),
    'collector:\n  url: https://c:1\n  enrollmentToken: { file: /etc/kiln/token }\n',
  );
  writeFileSync(join(root, 'kiln-agent'), 'console.log(1)\n');
  writeFileSync(
    join(root, 'bake.yaml'),
    'template: template.json\nplaybook: playbook/site.yml\noutputDir: playbook/.kiln-out\nagent:\n  configFile: agent.yaml\n  executable: kiln-agent\n',
  );
  return root;
}

const keyOf = (root: string) =>
  bakeKey(
    collectInputs(loadBakeConfig(join(root, 'bake.yaml'), { agentExecutable: () => 'unused' }), '0.1.0')
      .inputs,
  );

describe('collectInputs', () => {
  it('hashes the playbook tree (not .git, not the output dir), requirements and the source image', () => {
    const root = workspace('a');
    mkdirSync(join(root, 'playbook/.kiln-out'), { recursive: true });
    writeFileSync(join(root, 'playbook/.kiln-out/record.json'), '{}');
    const collected = collectInputs(
      loadBakeConfig(join(root, 'bake.yaml'), { agentExecutable: () => 'unused' }),
      '0.1.0',
    );
    expect(collected.inputs.playbook!.tree.map((f) => f.path)).toEqual([
      'requirements.yml',
      'roles/web/tasks/main.yml',
      'site.yml',
    ]);
    expect(collected.inputs.requirements).toEqual([
      { kind: 'role', name: 'geerlingguy.nginx', version: '3.2.0' },
    ]);
    expect(collected.inputs.sourceImage).toBe('ami-1');
    expect(collected.inputs.template.path).toBe('template.json');
    expect(collected.requirementsFile).toBe(resolve(root, 'playbook/requirements.yml'));
  });

  it('gives the same key in another checkout, and a new key when a role file, the agent executable or the agent config changes', () => {
    const a = workspace('b');
    const b = workspace('c');
    expect(keyOf(b)).toBe(keyOf(a));
    const before = keyOf(a);
    writeFileSync(join(a, 'playbook/roles/web/tasks/main.yml'), '- debug: msg=changed\n');
    const afterRole = keyOf(a);
    writeFileSync(join(a, 'kiln-agent'), 'console.log(2)\n');
    const afterBundle = keyOf(a);
    writeFileSync(
      join(a, 'agent.yaml'),
      'collector:\n  url: https://c:2\n  enrollmentToken: { file: /etc/kiln/token }\n',
    );
    const afterAgentConfig = keyOf(a);
    expect(new Set([before, afterRole, afterBundle, afterAgentConfig]).size).toBe(4);
  });

  it('rejects an agent config with an unknown key, naming file and key', () => {
    const root = workspace('d');
    writeFileSync(
      join(root, 'agent.yaml'),
      'collector:\n  url: https://c:1\n  token: abc\n  enrollmentToken: { file: /t }\n',
    );
    expect(() => keyOf(root)).toThrow(`${join(root, 'agent.yaml')}: collector.token: unknown key`);
  });

  it('covers the drift change feed beside the agent, and names a configured one that is missing', () => {
    const root = workspace('feed');
    const load = () => loadBakeConfig(join(root, 'bake.yaml'), { agentExecutable: () => 'unused' });
    expect(load().agent.driftFeed).toBeUndefined();
    const without = keyOf(root);
    writeFileSync(join(root, 'kiln-drift-feed-linux-x64'), 'feed v1\n');
    expect(load().agent.driftFeed).toBe(join(root, 'kiln-drift-feed-linux-x64'));
    const withFeed = keyOf(root);
    expect(withFeed).not.toBe(without);
    writeFileSync(join(root, 'kiln-drift-feed-linux-x64'), 'feed v2\n');
    expect(keyOf(root)).not.toBe(withFeed);
    writeFileSync(
      join(root, 'bake.yaml'),
      'template: template.json\nagent:\n  configFile: agent.yaml\n  executable: kiln-agent\n  driftFeed: false\n',
    );
    expect(load().agent.driftFeed).toBeUndefined();
    writeFileSync(
      join(root, 'bake.yaml'),
      'template: template.json\nagent:\n  configFile: agent.yaml\n  executable: kiln-agent\n  driftFeed: bin/feed\n',
    );
    expect(load).toThrow(
      `${join(root, 'bake.yaml')}: agent.driftFeed: expected an existing file: ${join(root, 'bin/feed')} is not there (npm run build makes it when Go is installed; false installs none)`,
    );
  });
});
