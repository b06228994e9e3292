/**
 * moto in server mode (PyPI `moto[server]`) on 127.0.0.1: real AWS API handlers (Auto Scaling,
 * EC2, SSM) for tests. Started as a child process on a free port, stopped after.
 * http://docs.getmoto.org/en/latest/docs/server_mode.html
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running moto server. */
export interface MotoServer {
  url: string;
  /** The calls of one API action moto received since it started (moto's request recorder). */
  calls(action: string): Promise<URLSearchParams[]>;
  stop(): Promise<void>;
}

/** Start options. */
export interface MotoOptions {
  /** Add the terminate lifecycle hooks moto lacks (test/support/moto_lifecycle.py). Default false. */
  lifecycleHooks?: boolean;
}

/** Credentials moto accepts; set in the environment so the SDK's standard chain finds them. */
export const motoCredentials = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts moto and waits until it answers; fails with its output when it does not within 60 s. */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const entry = options.lifecycleHooks
    ? [join(import.meta.dirname, 'moto_lifecycle.py')]
    : ['-m', 'moto.server'];
  // moto's request recorder writes to a file (default ./moto_recording): keep it out of the checkout.
  const recording = join(mkdtempSync(join(tmpdir(), 'kiln-moto-')), 'recording');
  const child: ChildProcess = spawn('python3', [...entry, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_RECORDER_FILEPATH: recording },
  });
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}: ${output}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto did not answer on ${url} within 60 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Every request is recorded (http://docs.getmoto.org/en/latest/docs/server_mode.html#recorder), so tests count calls.
  await fetch(`${url}/moto-api/recorder/start-recording`, { method: 'POST' });
  return {
    url,
    calls: async (action) => {
      const text = await (await fetch(`${url}/moto-api/recorder/download-recording`)).text();
      return text
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as { body?: string; body_encoded?: boolean })
        .map(
          (r) =>
            new URLSearchParams(
              r.body_encoded ? Buffer.from(r.body ?? '', 'base64').toString() : (r.body ?? ''),
            ),
        )
        .filter((params) => params.get('Action') === action);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
