/**
 * `kiln bake`: lint → key → (dry run | cache hit | lock) → stage and compose → Packer → record.
 * A failed build exits non-zero and leaves a `failed` record, never a `succeeded` one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openBaseline } from '../agent/baseline/baseline-file.ts';
import { describeError, KilnError } from '../lib/errors.ts';
import { packerBuildArgv, packerEnv, parseAnsibleVersion, parsePackerVersion } from './argv.ts';
import { type ComposePlan, composeJsonTemplate, kilnProvisioners, plannedSteps } from './compose.ts';
import { insertIntoBuildBlock, renderHclProvisioners } from './compose-hcl.ts';
import type { BakeConfig } from './config.ts';
import type { ProgressDisplay } from './display.ts';
import { type CollectedInputs, collectInputs } from './inputs.ts';
import { bakeKey } from './key.ts';
import { badParentWarning, findParentBake } from './lineage.ts';
import { acquireBakeLock } from './lock.ts';
import { artifactIds, parseMachineReadableLine } from './machine-readable.ts';
import { capture, gitState, runStreaming } from './processes.ts';
import { applyRecord, initialProgress, keptOutputLines, summariseFailure } from './progress.ts';
import { lintSecrets, summariseFindings } from './secret-lint.ts';
import { writeStage } from './stage.ts';
import { type BakeFields, type BakeRecord, type BakeStore, bakeRecord } from './store/record.ts';

/** How to run one bake. */
export interface BakeOptions {
  config: BakeConfig;
  store: BakeStore;
  agentVersion: string;
  force?: boolean;
  dryRun?: boolean;
  /** Extra reviewed secret patterns (`--allow-secret`), added to the config's. */
  allowSecrets?: readonly string[];
  display: ProgressDisplay;
  /** Plain output (plans, results). */
  out: (text: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  packer?: string;
  lockWaitMs?: number;
}

/** What a bake came to. */
export type BakeResult =
  | { kind: 'dry-run'; key: string; template: string }
  | { kind: 'reused'; key: string; record: BakeRecord }
  | { kind: 'built'; key: string; record: BakeRecord };

/** Runs a bake; throws KILN_ERR_BAKE (after recording the failure) when the build fails. */
export async function runBake(options: BakeOptions): Promise<BakeResult> {
  const { config, store, display } = options;
  const now = options.now ?? Date.now;
  const collected = collectInputs(config, options.agentVersion);
  const findings = lintSecrets(collected.lintFiles, [
    ...config.allowSecrets,
    ...(options.allowSecrets ?? []),
  ]);
  if (findings.length > 0) {
    throw new KilnError(
      'KILN_ERR_SECRET',
      `refusing to bake: ${findings.length} credential(s) in the inputs: ${summariseFindings(findings)}; move them to run-time sources (user-data, SSM, a vault) or accept a reviewed one with --allow-secret PATTERN`,
    );
  }
  const key = bakeKey(collected.inputs);
  const bakeId = newBakeId(now());
  const workDir = join(config.outputDir, bakeId);
  const stage = join(workDir, `kiln-bake-${bakeId}`);
  const plan: ComposePlan = {
    localStage: stage,
    remoteStage: `/tmp/kiln-bake-${bakeId}`,
    ansibleArguments: config.ansibleArguments,
    imageRoot: config.imageRoot,
    securityUpdates: config.securityUpdates,
    sudo: config.sudo,
    downloadDir: join(workDir, 'image'),
  };
  if (config.playbook) plan.playbook = config.playbook;
  if (collected.requirementsFile) plan.requirements = collected.requirementsFile;
  const template = composeTemplate(collected, plan, config.template);

  const badParent = badParentWarning(await store.imageMarks(), collected.inputs.sourceImage);
  if (badParent) display.print(`WARNING: ${badParent}`);
  if (options.dryRun) {
    const cached = options.force ? undefined : await store.findSucceeded(key);
    options.out(renderPlan(config, collected, key, plan, cached));
    options.out(template);
    return { kind: 'dry-run', key, template };
  }
  if (!options.force) {
    const cached = await store.findSucceeded(key);
    if (cached) return { kind: 'reused', key, record: cached };
  }
  const locked = await acquireBakeLock(store, key, bakeId, {
    now,
    sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    force: options.force ?? false,
    ...(options.lockWaitMs !== undefined ? { waitMs: options.lockWaitMs } : {}),
    onWait: (holder) => display.print(`waiting for the identical bake ${holder} (key ${key.slice(0, 12)})`),
  });
  if (locked.kind === 'reused') return { kind: 'reused', key, record: locked.record };
  try {
    return { kind: 'built', key, record: await build(options, collected, key, bakeId, plan, template, now) };
  } finally {
    await store.unlock(key, bakeId);
  }
}

async function build(
  options: BakeOptions,
  collected: CollectedInputs,
  key: string,
  bakeId: string,
  plan: ComposePlan,
  template: string,
  now: () => number,
): Promise<BakeRecord> {
  const { config, store, display } = options;
  const packer = options.packer ?? 'packer';
  const startedMs = now();
  const [packerVersion, ansibleVersion, git, history] = await Promise.all([
    capture(packer, ['version']).then((o) => (o ? parsePackerVersion(o) : undefined)),
    capture('ansible', ['--version']).then((o) => (o ? parseAnsibleVersion(o) : undefined)),
    gitState(dirname(config.file), collected.files),
    store.list(),
  ]);
  if (!packerVersion)
    throw new KilnError(
      'KILN_ERR_MISSING_TOOL',
      `${packer} is not installed or does not answer "packer version"; install Packer (see docs/bake.md)`,
    );
  const fields: BakeFields = {
    id: bakeId,
    key,
    status: 'running',
    started_at: new Date(startedMs).toISOString(),
    template: config.template,
    artifacts: [],
    packer_version: packerVersion,
    agent_version: options.agentVersion,
    inputs: collected.inputs as unknown as Record<string, unknown>,
  };
  const optional: Partial<BakeFields> = {
    playbook: config.playbook,
    source_image: collected.inputs.sourceImage,
    parent_bake: findParentBake(history, collected.inputs.sourceImage),
    image_name: config.imageName,
    image_version: config.imageVersion,
    git_revision: git.revision,
    git_dirty: git.dirty,
    ansible_version: ansibleVersion,
  };
  for (const [k, v] of Object.entries(optional))
    if (v !== undefined) (fields as unknown as Record<string, unknown>)[k] = v;

  writeStage(config, collected, plan, fields);
  const templateFile = join(
    dirname(plan.localStage),
    collected.templateFormat === 'json' ? 'template.json' : 'template.pkr.hcl',
  );
  writeFileSync(templateFile, template);
  await store.save(bakeRecord(fields));

  let progress = initialProgress(startedMs);
  display.print(`bake ${bakeId} (key ${key.slice(0, 12)}): ${plannedSteps(plan).join(' → ')}`);
  const argv = packerBuildArgv({
    template: templateFile,
    variables: config.variables,
    varFiles: config.varFiles,
  });
  let code: number;
  try {
    code = await runStreaming(packer, argv, {
      cwd: dirname(config.template),
      env: packerEnv(process.env),
      onLine: (line) => {
        const record = parseMachineReadableLine(line);
        progress = record
          ? applyRecord(progress, record)
          : { ...progress, lastLines: [...progress.lastLines, line].slice(-keptOutputLines) };
        display.update(progress);
      },
    });
  } catch (error) {
    // Packer could not be started: the record must not stay "running".
    progress = { ...progress, errors: [...progress.errors, describeError(error)] };
    code = -1;
  }
  display.stop();
  fields.finished_at = new Date(now()).toISOString();
  fields.duration_ms = now() - startedMs;
  const manifest = code === 0 ? readJson(join(plan.downloadDir, 'image.json')) : undefined;
  if (code !== 0 || !manifest) {
    const failure = summariseFailure(progress);
    if (code === 0)
      failure.reason = `Packer succeeded but ${join(plan.downloadDir, 'image.json')} was not downloaded`;
    fields.status = 'failed';
    fields.failure_step = failure.step;
    if (failure.task) fields.failure_task = failure.task;
    fields.failure_output = failure.lastLines.join('\n');
    await store.save(bakeRecord(fields));
    display.print(
      `bake ${bakeId} failed; last output:\n${failure.lastLines.map((l) => `  ${l}`).join('\n')}`,
    );
    const task = failure.task ? `, task "${failure.task}"` : '';
    throw new KilnError(
      'KILN_ERR_BAKE',
      `bake ${bakeId} failed at step "${failure.step}"${task}: ${failure.reason}`,
    );
  }
  fields.status = 'succeeded';
  fields.artifacts = artifactIds(progress.artifacts);
  fields.manifest = manifest;
  const baseline = await baselineRecord(join(plan.downloadDir, 'baseline.json'));
  if (baseline) fields.baseline = baseline;
  if (typeof manifest.baselineDigest === 'string') fields.baseline_digest = manifest.baselineDigest;
  if (typeof manifest.packagesDigest === 'string') fields.packages_digest = manifest.packagesDigest;
  const record = bakeRecord(fields);
  await store.save(record);
  return record;
}

/** The composed template text (JSON, or HCL2 with kiln's blocks inserted). */
function composeTemplate(collected: CollectedInputs, plan: ComposePlan, source: string): string {
  if (collected.templateFormat === 'hcl2') {
    return insertIntoBuildBlock(
      collected.templateText,
      renderHclProvisioners(kilnProvisioners(plan)),
      source,
    );
  }
  return `${JSON.stringify(composeJsonTemplate(JSON.parse(collected.templateText), plan, source), null, 2)}\n`;
}

function renderPlan(
  config: BakeConfig,
  collected: CollectedInputs,
  key: string,
  plan: ComposePlan,
  cached: BakeRecord | undefined,
): string {
  const lines = [
    `bake key:      ${key}`,
    `template:      ${config.template} (${collected.templateFormat})`,
    `playbook:      ${config.playbook ?? '(none)'}`,
    `source image:  ${collected.inputs.sourceImage ?? '(unknown)'}`,
    `image root:    ${config.imageRoot || '/'}`,
    `steps:         ${plannedSteps(plan).join(' → ')}`,
    `secret lint:   ${collected.lintFiles.length} files clean`,
    `cache:         ${cached ? `hit: bake ${cached.kiln.bake.id} (${cached.kiln.bake.artifacts.join(', ')}) would be reused` : 'miss: Packer would run'}`,
    `composed template (${basename(config.template)} + kiln):`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * What the bake record keeps of the baseline: its header (roots, allowlist, packages, units,
 * accounts, kernel modules), digest, capture time and entry count; the entries stay in the file
 * (one line per file of the image: far too many for a document).
 */
async function baselineRecord(file: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    const info = await openBaseline(file);
    return { ...info.header, digest: info.digest, capturedAt: info.capturedAt, entries: info.entries };
  } catch {
    return undefined;
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A sortable, readable bake id: UTC time and 6 random hex digits (`20261122T075810-3f9a1c`). */
export function newBakeId(nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
