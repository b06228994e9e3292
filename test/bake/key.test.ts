import { describe, expect, it } from 'vitest';
import { type BakeInputs, bakeKey, canonicalJson, parseRequirements } from '../../bake/key.ts';

const base: BakeInputs = {
  template: { path: 'template.json', sha256: 'a'.repeat(64) },
  variables: { region: 'eu-west-1' },
  varFiles: [{ path: 'prod.json', sha256: 'b'.repeat(64) }],
  playbook: { entry: 'site.yml', tree: [{ path: 'site.yml', sha256: 'c'.repeat(64) }] },
  requirements: [{ kind: 'role', name: 'geerlingguy.nginx', version: '3.2.0' }],
  agent: {
    version: '0.1.0',
    executableSha256: 'd'.repeat(64),
    configSha256: 'e'.repeat(64),
    arch: 'x64',
    heapMiB: 48,
    memoryMaxMiB: 160,
    afterUnits: [],
  },
  sourceImage: 'ami-1',
  options: { imageRoot: '', securityUpdates: false, ansibleArguments: [] },
};

const change = (patch: (i: BakeInputs) => void): BakeInputs => {
  const copy = structuredClone(base);
  patch(copy);
  return copy;
};

describe('bakeKey', () => {
  it('is stable for equal inputs, whatever the key order', () => {
    const reordered = {
      ...base,
      variables: { region: 'eu-west-1' },
      options: { ansibleArguments: [], securityUpdates: false, imageRoot: '' },
    };
    expect(bakeKey(reordered)).toBe(bakeKey(base));
    expect(bakeKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, (i: BakeInputs) => void]>([
    [
      'template content',
      (i) => {
        i.template.sha256 = 'f'.repeat(64);
      },
    ],
    [
      'a variable',
      (i) => {
        i.variables.region = 'us-east-1';
      },
    ],
    [
      'a new variable',
      (i) => {
        i.variables.size = 'large';
      },
    ],
    [
      'a var file',
      (i) => {
        i.varFiles[0]!.sha256 = '0'.repeat(64);
      },
    ],
    [
      'a playbook file',
      (i) => {
        i.playbook!.tree[0]!.sha256 = '1'.repeat(64);
      },
    ],
    [
      'a new file in the playbook tree',
      (i) => void i.playbook!.tree.push({ path: 'roles/x/tasks/main.yml', sha256: '2'.repeat(64) }),
    ],
    [
      'a role version',
      (i) => {
        i.requirements[0]!.version = '3.3.0';
      },
    ],
    [
      'a collection',
      (i) => void i.requirements.push({ kind: 'collection', name: 'community.general', version: '9.5.0' }),
    ],
    [
      'the agent version',
      (i) => {
        i.agent.version = '0.2.0';
      },
    ],
    [
      'the agent executable',
      (i) => {
        i.agent.executableSha256 = '3'.repeat(64);
      },
    ],
    [
      'the image architecture',
      (i) => {
        i.agent.arch = 'arm64';
      },
    ],
    [
      'the memory limit',
      (i) => {
        i.agent.memoryMaxMiB = 256;
      },
    ],
    [
      'the agent config',
      (i) => {
        i.agent.configSha256 = '4'.repeat(64);
      },
    ],
    [
      'the source image',
      (i) => {
        i.sourceImage = 'ami-2';
      },
    ],
    [
      'security updates',
      (i) => {
        i.options.securityUpdates = true;
      },
    ],
    [
      'the image root',
      (i) => {
        i.options.imageRoot = '/mnt/image';
      },
    ],
  ])('changes when %s changes', (_, patch) => {
    expect(bakeKey(change(patch))).not.toBe(bakeKey(base));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});

describe('parseRequirements', () => {
  it.each<[unknown, ReturnType<typeof parseRequirements>]>([
    [
      [{ src: 'geerlingguy.nginx', version: '3.2.0' }, 'plain.role'],
      [
        { kind: 'role', name: 'geerlingguy.nginx', version: '3.2.0' },
        { kind: 'role', name: 'plain.role', version: 'unpinned' },
      ],
    ],
    [
      {
        roles: [{ name: 'r1', version: 1.2 }],
        collections: ['community.general', { name: 'amazon.aws', version: '8.0.0' }],
      },
      [
        { kind: 'collection', name: 'amazon.aws', version: '8.0.0' },
        { kind: 'collection', name: 'community.general', version: 'unpinned' },
        { kind: 'role', name: 'r1', version: '1.2' },
      ],
    ],
    [null, []],
  ])('reads %j', (raw, expected) => {
    expect(parseRequirements(raw)).toEqual(expected);
  });
});
