/**
 * `kiln-agent baseline capture|check|show`: capture the image's baseline at bake time (inside the
 * image, or on a directory prefix with --root), check a system against it, print its entries.
 * The work is in agent/baseline/commands.ts, loaded when a command runs.
 */
import type { Command } from 'commander';
import { action, example, exitCodes, intFlag } from '../cli-support.ts';

const jobsFlag = (v: string) => intFlag('--jobs', v);

/** Registers the agent-baseline commands on `program`. */
export function registerAgentBaseline(program: Command): void {
  const baseline = example(
    program.command('baseline').description("capture, check or show this system's drift baseline"),
    'kiln-agent baseline capture --out /etc/kiln/baseline.json   # at bake time, inside the image',
    'kiln-agent baseline check --json                          # on the running instance',
    'kiln-agent baseline show /usr/bin/ssh                     # what the image had there',
  );

  example(
    baseline
      .command('capture')
      .description('capture the baseline (at bake time, inside the image) and print its digest')
      .option(
        '--out <file>',
        'where to write it (default: drift.baselinePath, /etc/kiln/baseline.json, under --root; .gz: gzip)',
      )
      .option('--root <dir>', 'capture the system under this directory instead of /', '/')
      .option('--config <file>', 'agent config whose drift.roots, extraRoots and allowlist apply')
      .option('--admindir <dir>', 'dpkg database directory (default <root>/var/lib/dpkg)')
      .option(
        '--jobs <n>',
        'hashing threads; 0, the default, hashes on the main thread (~20 MiB less memory)',
        jobsFlag,
      )
      .action(
        action(
          async (flags: {
            out?: string;
            root: string;
            config?: string;
            admindir?: string;
            jobs?: number;
          }) => {
            const { runCapture } = await import('../../agent/baseline/commands.ts');
            return runCapture(flags);
          },
        ),
      ),
    'kiln-agent baseline capture --out /etc/kiln/baseline.json',
    'kiln-agent baseline capture --root /mnt/image --out /mnt/image/etc/kiln/baseline.json',
  );

  example(
    baseline
      .command('check')
      .description('compare this system with its baseline; exit 0 when clean, 3 when drifted')
      .option(
        '--baseline <file>',
        'the baseline (default: drift.baselinePath, /etc/kiln/baseline.json, under --root)',
      )
      .option('--root <dir>', 'check the system under this directory instead of /', '/')
      .option('--config <file>', 'agent config whose drift.allowlist is added to the baseline allowlist')
      .option('--admindir <dir>', 'dpkg database directory (default <root>/var/lib/dpkg)')
      .option('--cache <file>', 'stat cache: re-hash only files whose size, mtime, ctime or inode changed')
      .option('--full', 'hash every file even with a fresh --cache (and renew the cache)')
      .option(
        '--jobs <n>',
        'hashing threads; 0, the default, hashes on the main thread (~20 MiB less memory)',
        jobsFlag,
      )
      .option('--proc <dir>', 'where modules and net/tcp* are read (default /proc)')
      .option('--json', 'print the result as JSON')
      .action(
        action(async (flags: Parameters<typeof import('../../agent/baseline/commands.ts').runCheck>[0]) => {
          const { runCheck } = await import('../../agent/baseline/commands.ts');
          return (await runCheck(flags)) === 3 ? exitCodes.drifted : exitCodes.ok;
        }),
      ),
    'kiln-agent baseline check',
    'kiln-agent baseline check --root /mnt/image --json',
  );

  example(
    baseline
      .command('show')
      .description(
        'print the baseline: digest, roots, allowlist, and the entries at or under PATH… (all without)',
      )
      .argument('[path...]', 'logical paths (an entry and everything under it)')
      .option('--baseline <file>', 'the baseline (default: drift.baselinePath under --root)')
      .option('--root <dir>', 'the system the baseline lies in', '/')
      .option('--config <file>', 'agent config whose drift.baselinePath applies')
      .option('--json', 'print JSON: the header and an array of entries')
      .action(
        action(
          async (
            paths: string[],
            flags: { baseline?: string; root: string; config?: string; json?: boolean },
          ) => {
            const { runShow } = await import('../../agent/baseline/commands.ts');
            return (await runShow(paths, flags)) === 0 ? exitCodes.ok : exitCodes.failure;
          },
        ),
      ),
    'kiln-agent baseline show /usr/bin/sudo /etc/ssh',
    'kiln-agent baseline show --json /boot',
  );
}
