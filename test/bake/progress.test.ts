import { describe, expect, it } from 'vitest';
import { parseMachineReadableLine } from '../../bake/machine-readable.ts';
import { applyRecord, initialProgress, progressLine, summariseFailure } from '../../bake/progress.ts';

// Lines as Packer 1.6.6 printed them for a bake whose playbook failed (captured on this machine).
const failedRun = [
  '1795334282,,ui,say,==> null: Connected to SSH!',
  '1795334282,,ui,say,==> null: Provisioning with shell script: /tmp/packer-shell4003948480',
  '1795334283,,ui,message,    null: kiln-step: install-agent',
  '1795334284,,ui,say,==> null: Provisioning with Ansible...',
  '1795334285,,ui,message,    null: TASK [write a file] ************************************************************',
  '1795334289,,ui,message,    null: changed: [default]',
  '1795334289,,ui,message,    null: TASK [fail here] ***************************************************************',
  '1795334290,,ui,message,    null: fatal: [default]: FAILED! => {"changed": true%!(PACKER_COMMA) "rc": 1}',
  '1795334290,,ui,message,    null: PLAY RECAP *********************************************************************',
  '1795334290,,ui,message,    null:',
  '1795334290,,ui,say,==> null: Provisioning step had errors: Running the cleanup provisioner%!(PACKER_COMMA) if present...',
  '1795334290,,ui,say,==> null: Provisioning with shell script: /tmp/packer-shell1',
  "1795334290,,ui,error,Build 'null' errored after 8 seconds 294 milliseconds: Error executing Ansible: Non-zero exit status: exit status 2",
  '1795334290,,error-count,1',
  "1795334290,,ui,error,\\n==> Some builds didn't complete successfully and had errors:",
  '1795334290,null,error,Error executing Ansible: Non-zero exit status: exit status 2',
  '1795334290,,ui,error,--> null: Error executing Ansible: Non-zero exit status: exit status 2',
];

function fold(lines: string[]) {
  return lines.reduce((p, line) => applyRecord(p, parseMachineReadableLine(line)!), initialProgress(1_000));
}

describe('progress', () => {
  it('tracks build, kiln step, provisioner and Ansible task', () => {
    const p = fold(failedRun.slice(0, 3));
    expect([p.build, p.step, p.provisioner, p.task]).toEqual([
      'null',
      'install-agent',
      'shell script',
      undefined,
    ]);
    const q = fold(failedRun.slice(0, 7));
    expect([q.build, q.step, q.provisioner, q.task]).toEqual(['null', 'playbook', 'Ansible', 'fail here']);
    expect(progressLine(q, 13_500)).toBe('[ 12.5s] null | playbook | Ansible | TASK [fail here]');
  });

  it('summarises a failure: step (not the cleanup provisioner after it), failing task, reason and the last lines', () => {
    const summary = summariseFailure(fold(failedRun));
    expect(summary.step).toBe('playbook');
    expect(summary.task).toBe('fail here');
    expect(summary.reason).toBe('Error executing Ansible: Non-zero exit status: exit status 2');
    expect(summary.lastLines).toContain('    null: fatal: [default]: FAILED! => {"changed": true, "rc": 1}');
    expect(summary.lastLines).not.toContain('    null:');
  });

  it('keeps only the last 20 output lines', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `1,,ui,message,    null: line ${i}`);
    const p = fold(lines);
    expect(p.lastLines.length).toBe(20);
    expect(p.lastLines[0]).toBe('    null: line 10');
  });
});
