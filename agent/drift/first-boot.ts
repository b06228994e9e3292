/**
 * The listening sockets seen at first boot, the reference later checks compare with. Recorded by
 * the first check made once the system has been up `drift.socketSettleMs` (so services started
 * at boot are listening), kept in the state directory and tied to the baseline digest.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SocketSet } from '../baseline/sockets.ts';

/** The persisted reference. */
export class FirstBootSockets {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  /** The reference for this baseline, or undefined when none was recorded yet. */
  async load(baselineDigest: string): Promise<SocketSet | undefined> {
    try {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as { digest?: string; sockets?: SocketSet };
      return doc.digest === baselineDigest && doc.sockets ? doc.sockets : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records the reference (atomically). */
  async save(baselineDigest: string, sockets: SocketSet): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify({ digest: baselineDigest, sockets }));
    await rename(tmp, this.file);
  }
}

/** Milliseconds the system has been up, from `<procDir>/uptime`; undefined when unreadable. */
export async function uptimeMs(procDir: string): Promise<number | undefined> {
  try {
    const text = await readFile(path.join(procDir, 'uptime'), 'utf8');
    const s = Number(text.split(/\s+/)[0]);
    return Number.isFinite(s) ? s * 1000 : undefined;
  } catch {
    return undefined;
  }
}
