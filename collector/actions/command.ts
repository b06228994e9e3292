/**
 * The command action: run a configured program (e.g. `terraform apply -replace=…`) with the
 * decision in its environment, killed after a timeout, its output captured for the audit.
 * No shell is involved: the argv is run as given.
 */
import { spawn } from 'node:child_process';
import type { Action, ActionRequest, ActionResult } from './action.ts';
import type { ActionConfig } from './config.ts';

type CommandConfig = Extract<ActionConfig, { type: 'command' }>;

/** Output kept for the audit: the last 64 KiB (the end of a failing run is what explains it). */
export const maxOutputBytes = 64 * 1024;

/** The environment variables a command receives about its decision. */
export function decisionEnv(req: ActionRequest): Record<string, string> {
  const { decision, instance } = req;
  return {
    KILN_DECISION_ID: decision.id,
    KILN_POLICY: req.policyName,
    KILN_INSTANCE_ID: decision.instanceId,
    KILN_IMAGE_ID: instance.cloud.image?.id ?? '',
    KILN_GROUP: instance.kiln.group ?? '',
    KILN_ROLE: instance.kiln.role ?? '',
    KILN_TRIGGER: decision.trigger,
    KILN_REASON: decision.reason,
    KILN_REASON_TEXT: decision.reasonText,
    KILN_ACTION_KIND: decision.kind,
    KILN_ATTEMPT: String(req.attempt),
    KILN_INSTANCE_AGE_MS: String(decision.ageMs),
    KILN_DECIDED_AT: req.decidedAt,
  };
}

/** Creates the command action. */
export function createCommandAction(config: CommandConfig): Action {
  return {
    type: 'command',
    run: (req, signal) => runCommand(config, req, signal),
  };
}

function runCommand(config: CommandConfig, req: ActionRequest, signal?: AbortSignal): Promise<ActionResult> {
  return runArgv(config, decisionEnv(req), signal);
}

/** What runArgv needs of a command block. */
export type ArgvConfig = Pick<CommandConfig, 'command' | 'timeout' | 'env'> & { cwd?: string };

/** Runs an argv with extra environment, killed after its timeout, its output kept for the audit. */
export function runArgv(
  config: ArgvConfig,
  extraEnv: Record<string, string>,
  signal?: AbortSignal,
): Promise<ActionResult> {
  const started = performance.now();
  const [program, ...args] = config.command as [string, ...string[]];
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    const keep = (chunk: Buffer) => {
      chunks.push(chunk);
      kept += chunk.length;
      // Drop whole chunks only while what remains still holds the last maxOutputBytes.
      while (chunks.length > 1 && kept - chunks[0]!.length >= maxOutputBytes) kept -= chunks.shift()!.length;
    };
    let timedOut = false;
    const child = spawn(program, args, {
      cwd: config.cwd,
      env: { ...process.env, ...config.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, config.timeout);
    timer.unref();
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signalName) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).subarray(-maxOutputBytes).toString('utf8');
      const durationMs = Math.round(performance.now() - started);
      const exitCode = code ?? undefined;
      let error: string | undefined;
      if (spawnError) error = `cannot run ${program}: ${spawnError.message}`;
      else if (timedOut)
        error = `${program} did not finish within its timeout of ${config.timeout} ms and was killed`;
      else if (code !== 0) error = `${program} exited with ${code ?? signalName}`;
      resolve({
        ok: error === undefined,
        durationMs,
        output,
        ...(exitCode !== undefined ? { exitCode } : {}),
        // A program that cannot be started stays so; one that failed or timed out may pass next time.
        ...(error ? { error, retryable: spawnError === undefined } : {}),
      });
    });
  });
}
