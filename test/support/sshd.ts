/**
 * A real OpenSSH server for the bake tests and bench: the demo's (bin/demo/demo-sshd.ts) in a
 * temp dir of its own, removed when it stops. It plays the "image" a Packer `null` builder
 * provisions over SSH.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DemoSshd, startDemoSshd } from '../../bin/demo/demo-sshd.ts';

/** A running sshd and how to log in to it. */
export interface TestSshd extends DemoSshd {
  /** The temp dir holding keys, config and the pid file. */
  dir: string;
}

/** Starts sshd and waits until it answers with its SSH banner. */
export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-sshd-'));
  try {
    const sshd = await startDemoSshd(dir, 15_000);
    let stopped: Promise<void> | undefined;
    return {
      ...sshd,
      dir,
      stop: () => {
        stopped ??= sshd.stop().then(() => rmSync(dir, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
