import { describe, expect, it } from 'vitest';
import { createProgressDisplay, isInteractive } from '../../bake/display.ts';
import { initialProgress } from '../../bake/progress.ts';

describe('progress display', () => {
  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: true }, { CI: 'true' }, false],
    [{ isTTY: false }, {}, false],
    [{}, {}, false],
  ])('is interactive for %j with env %j: %s', (stream, env, expected) => {
    expect(isInteractive(stream, env)).toBe(expected);
  });

  it('prints a plain line only when build, step, provisioner or task change (CI)', () => {
    const out: string[] = [];
    let now = 1000;
    const display = createProgressDisplay({ interactive: false, write: (t) => out.push(t), now: () => now });
    const p = initialProgress(1000);
    display.update({ ...p, build: 'null', step: 'install-agent', provisioner: 'shell script' });
    now = 2500;
    display.update({ ...p, build: 'null', step: 'install-agent', provisioner: 'shell script' });
    display.update({ ...p, build: 'null', step: 'playbook', provisioner: 'Ansible', task: 'fail here' });
    display.stop();
    expect(out).toEqual([
      '[  0.0s] null | install-agent | shell script\n',
      '[  1.5s] null | playbook | Ansible | TASK [fail here]\n',
    ]);
  });

  it('redraws one line in place on a terminal and clears it before printing', () => {
    const out: string[] = [];
    const display = createProgressDisplay({ interactive: true, write: (t) => out.push(t), now: () => 3000 });
    display.update({
      ...initialProgress(1000),
      build: 'null',
      step: 'baseline',
      provisioner: 'shell script',
    });
    display.print('bake failed');
    display.stop();
    expect(out).toEqual([
      '\r\x1b[2K[  2.0s] null | baseline | shell script',
      '\r\x1b[2K',
      'bake failed\n',
      '\r\x1b[2K[  2.0s] null | baseline | shell script',
      '\r\x1b[2K',
    ]);
  });
});
