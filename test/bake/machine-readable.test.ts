import { describe, expect, it } from 'vitest';
import {
  artifactIds,
  collectArtifact,
  type PackerArtifact,
  parseMachineReadableLine,
  uiMessage,
} from '../../bake/machine-readable.ts';

describe('parseMachineReadableLine', () => {
  it.each([
    [
      '1795334282,,ui,say,==> null: Connected to SSH!',
      { timestamp: 1795334282, target: '', type: 'ui', data: ['say', '==> null: Connected to SSH!'] },
    ],
    [
      '1795334290,,ui,message,    null: fatal: [default]: FAILED! => {"changed": true%!(PACKER_COMMA) "rc": 1}',
      {
        timestamp: 1795334290,
        target: '',
        type: 'ui',
        data: ['message', '    null: fatal: [default]: FAILED! => {"changed": true, "rc": 1}'],
      },
    ],
    [
      '1795334295,amazon-ebs,artifact,0,id,us-east-1:ami-0abc%!(PACKER_COMMA)eu-west-1:ami-0def',
      {
        timestamp: 1795334295,
        target: 'amazon-ebs',
        type: 'artifact',
        data: ['0', 'id', 'us-east-1:ami-0abc,eu-west-1:ami-0def'],
      },
    ],
    [
      '1795334290,,ui,say,\\n==> Wait completed after 8 seconds',
      {
        timestamp: 1795334290,
        target: '',
        type: 'ui',
        data: ['say', '\n==> Wait completed after 8 seconds'],
      },
    ],
    ['1795334290,,error-count,1', { timestamp: 1795334290, target: '', type: 'error-count', data: ['1'] }],
  ])('parses %s', (line, expected) => {
    expect(parseMachineReadableLine(line)).toEqual(expected);
  });

  it.each(['', 'plain stderr text', 'abc,,ui,say,x', '12,,'])('ignores a non-record line: %j', (line) => {
    expect(parseMachineReadableLine(line)).toBeUndefined();
  });
});

describe('uiMessage', () => {
  it('splits escaped newlines into lines', () => {
    const record = parseMachineReadableLine(
      '1,,ui,message,    null: Not using Proxy adapter:\\n    null: \tUsing ssh keys',
    )!;
    expect(uiMessage(record)).toEqual({
      level: 'message',
      lines: ['    null: Not using Proxy adapter:', '    null: \tUsing ssh keys'],
    });
  });

  it('is undefined for records that are not ui', () => {
    expect(uiMessage(parseMachineReadableLine('1,null,artifact-count,1')!)).toBeUndefined();
  });
});

describe('collectArtifact', () => {
  it('assembles artifacts per build and index, and splits multi-region ids', () => {
    const lines = [
      '1,null.img,artifact-count,1',
      '1,null.img,artifact,0,builder-id,fnoeding.null',
      '1,null.img,artifact,0,id,Null',
      '1,null.img,artifact,0,string,Did not export anything. This is the null builder',
      '1,null.img,artifact,0,end',
      '1,amazon-ebs,artifact,0,id,us-east-1:ami-1%!(PACKER_COMMA)eu-west-1:ami-2',
    ];
    const artifacts = lines.reduce<PackerArtifact[]>(
      (list, line) => collectArtifact(list, parseMachineReadableLine(line)!),
      [],
    );
    expect(artifacts).toEqual([
      {
        build: 'null.img',
        index: 0,
        builderId: 'fnoeding.null',
        id: 'Null',
        description: 'Did not export anything. This is the null builder',
      },
      { build: 'amazon-ebs', index: 0, id: 'us-east-1:ami-1,eu-west-1:ami-2' },
    ]);
    expect(artifactIds(artifacts)).toEqual(['Null', 'us-east-1:ami-1', 'eu-west-1:ami-2']);
  });
});
