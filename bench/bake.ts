/**
 * Bake overhead: the same build (Packer `null` builder over SSH to a local sshd, the same Ansible
 * playbook) run with plain `packer build` and with `kiln bake` (which adds the agent install,
 * baseline capture, manifest, downloads, key, secret lint and the record), alternating, in one run.
 * Prints a table; record the figures in bench/RESULTS.md.
 *
 *   node bench/bake.ts [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTable } from '../lib/table.ts';
import { createWorkspace, runKiln } from '../test/bake/fixture.ts';
import { startSshd } from '../test/support/sshd.ts';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;

const sshd = await startSshd();
const ws = createWorkspace(sshd);
const template = JSON.parse((await import('node:fs')).readFileSync(ws.template, 'utf8'));
const plainTemplate = join(ws.dir, 'plain.json');
writeFileSync(
  plainTemplate,
  JSON.stringify({
    ...template,
    provisioners: [
      {
        type: 'ansible',
        playbook_file: ws.playbook,
        use_proxy: false,
        extra_arguments: ['--extra-vars', `kiln_image_root=${ws.imageRoot}`],
      },
    ],
  }),
);

const plainMs: number[] = [];
const kilnMs: number[] = [];
try {
  for (let i = 0; i < runs; i += 1) {
    let started = Date.now();
    const plain = spawnSync('packer', ['build', '-machine-readable', plainTemplate], {
      cwd: ws.dir,
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
    });
    if (plain.status !== 0) throw new Error(`plain packer build failed: ${plain.stdout.slice(-2000)}`);
    plainMs.push(Date.now() - started);
    started = Date.now();
    // --force: measure a real build every time, not the cache hit.
    const kiln = await runKiln(['bake', '--config', ws.config, '--force', '--store', join(ws.dir, 'store')]);
    if (kiln.code !== 0) throw new Error(`kiln bake failed: ${kiln.stderr.slice(-2000)}`);
    kilnMs.push(Date.now() - started);
  }
} finally {
  await sshd.stop();
  rmSync(ws.dir, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => Number((ms / 1000).toFixed(2));
const plain = median(plainMs);
const kiln = median(kilnMs);
console.log(
  renderTable(
    ['build', 'runs', 'median s', 'min s', 'max s'],
    [
      [
        'packer build (playbook only)',
        runs,
        seconds(plain),
        seconds(Math.min(...plainMs)),
        seconds(Math.max(...plainMs)),
      ],
      [
        'kiln bake (same + agent, baseline, manifest)',
        runs,
        seconds(kiln),
        seconds(Math.min(...kilnMs)),
        seconds(Math.max(...kilnMs)),
      ],
    ],
  ),
);
console.log(
  `\nkiln overhead: ${seconds(kiln - plain)} s (${(((kiln - plain) / plain) * 100).toFixed(0)} %) on the median`,
);
