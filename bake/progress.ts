/**
 * Live progress of a bake, folded from Packer's machine-readable records: which build, which
 * step (kiln's own provisioners announce themselves with a `kiln-step: <name>` line), which
 * provisioner and Ansible task, the artifacts, and the last lines of output for a failure report.
 */
import { collectArtifact, type MachineRecord, type PackerArtifact, uiMessage } from './machine-readable.ts';

/** How many output lines a failure report keeps. */
export const keptOutputLines = 20;

/** Where a bake is. */
export interface BakeProgress {
  startedAtMs: number;
  build?: string;
  step?: string;
  provisioner?: string;
  /** The Ansible task running now (or that failed). */
  task?: string;
  /** The task that failed (an Ansible `fatal:`/`failed:` line), when one did. */
  failedTask?: string;
  /** The step that failed, frozen there: Packer's error-cleanup provisioner runs after it. */
  failedStep?: string;
  artifacts: PackerArtifact[];
  errors: string[];
  /** The latest output lines, oldest first, at most `keptOutputLines`. */
  lastLines: string[];
}

/** A fresh progress state. */
export function initialProgress(startedAtMs: number): BakeProgress {
  return { startedAtMs, artifacts: [], errors: [], lastLines: [] };
}

const sayPrefix = /^==> ([^:]+): (.*)$/;
const messagePrefix = /^ {4}([^:\s]+): ?(.*)$/;

/** Folds one record into the progress (returns a new state). */
export function applyRecord(progress: BakeProgress, record: MachineRecord): BakeProgress {
  const next: BakeProgress = {
    ...progress,
    artifacts: collectArtifact([...progress.artifacts.map((a) => ({ ...a }))], record),
  };
  if (record.type === 'error' && record.data[0]) next.errors = [...progress.errors, record.data.join(',')];
  const ui = uiMessage(record);
  if (!ui) return next;
  const kept = [...progress.lastLines];
  for (const raw of ui.lines) {
    const line = raw.trimEnd();
    // Blank lines and Packer's empty `    null:` prefixes say nothing in a failure report.
    if (line.trim() === '' || /^ {4}[^:\s]+:$/.test(line)) continue;
    kept.push(line);
    foldLine(next, line, ui.level);
  }
  next.lastLines = kept.slice(-keptOutputLines);
  return next;
}

function foldLine(next: BakeProgress, line: string, level: string): void {
  const said = sayPrefix.exec(line);
  const body = said ? said[2]! : (messagePrefix.exec(line)?.[2] ?? line);
  const build = said?.[1] ?? messagePrefix.exec(line)?.[1];
  if (build) next.build = build;
  const provisioner = /^Provisioning with (.+?)(?:\.\.\.|:.*)?$/.exec(body);
  if (provisioner) next.provisioner = provisioner[1]!.trim();
  const step = /^kiln-step: (\S+)/.exec(body.trim());
  if (step) {
    next.step = step[1]!;
    next.task = undefined;
  } else if (provisioner) {
    next.step = provisioner[1]!.toLowerCase().startsWith('ansible') ? 'playbook' : provisioner[1]!.trim();
    next.task = undefined;
  }
  const task = /^TASK \[(.+?)\] \**$/.exec(body.trim());
  if (task) next.task = task[1]!;
  if (/^(fatal|failed): \[/.test(body.trim()) && next.task && !next.failedTask) next.failedTask = next.task;
  if (/^Provisioning step had errors/.test(body) && !next.failedStep) {
    next.failedStep = next.step ?? next.provisioner ?? 'provisioning';
  }
  if (level === 'error' && body.trim() !== '') next.errors = [...next.errors, body.trim()];
}

/** The one-line view of the progress at `nowMs`: elapsed, build, step, provisioner, task. */
export function progressLine(progress: BakeProgress, nowMs: number): string {
  const elapsed = `${((nowMs - progress.startedAtMs) / 1000).toFixed(1)}s`;
  const parts = [progress.build ?? 'starting', progress.step ?? '-', progress.provisioner ?? '-'];
  if (progress.task) parts.push(`TASK [${progress.task}]`);
  return `[${elapsed.padStart(6)}] ${parts.join(' | ')}`;
}

/** What a failed build reports: the failing step and task and the last output lines. */
export interface FailureSummary {
  step: string;
  task?: string;
  reason: string;
  lastLines: string[];
}

/** Summarises a failed build from its progress. */
export function summariseFailure(progress: BakeProgress): FailureSummary {
  const step = progress.failedStep ?? progress.step ?? progress.provisioner ?? 'packer';
  const reason =
    [...progress.errors].reverse().find((e) => !/^==> Some builds|^Some builds/.test(e)) ??
    'packer exited with an error';
  const summary: FailureSummary = {
    step,
    reason: reason.replace(/^--> [^:]+: /, ''),
    lastLines: progress.lastLines,
  };
  const task = progress.failedTask ?? (step === 'playbook' ? progress.task : undefined);
  if (task) summary.task = task;
  return summary;
}
