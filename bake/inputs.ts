/**
 * Reads a bake's inputs from disk: hashes every file the key covers and collects the text files
 * the secret lint reads. The only file-system reader of the bake's inputs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadAgentConfig } from '../agent/config.ts';
import { KilnError } from '../lib/errors.ts';
import { sourceImageOfJson } from './compose.ts';
import { sourceImageOfHcl } from './compose-hcl.ts';
import type { BakeConfig } from './config.ts';
import { type BakeInputs, parseRequirements } from './key.ts';
import type { LintFile } from './secret-lint.ts';

/** What reading the inputs gives. */
export interface CollectedInputs {
  inputs: BakeInputs;
  lintFiles: LintFile[];
  templateFormat: 'json' | 'hcl2';
  /** The template text as written. */
  templateText: string;
  requirementsFile?: string;
  /** The agent's shutdown deadline, for the unit's stop timeout. */
  shutdownDeadlineMs: number;
  /** The agent's state directory: the one path the unit leaves writable. */
  agentStateDir: string;
  /** Every input file, for the git dirty check. */
  files: string[];
}

/** Directory names never part of a playbook tree. */
const skippedDirs = new Set(['.git', '.kiln', 'node_modules', '__pycache__']);

/** Reads and hashes every input of a bake. */
export function collectInputs(config: BakeConfig, agentVersion: string): CollectedInputs {
  // Paths in the key are relative to the config, so every checkout of the same inputs has the same key.
  const base = dirname(config.file);
  const templateText = readInput(config.template, 'template');
  const templateFormat = config.template.endsWith('.hcl') ? 'hcl2' : 'json';
  let sourceImage = config.sourceImage;
  if (templateFormat === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(templateText);
    } catch (error) {
      throw new KilnError(
        'KILN_ERR_BAKE',
        `${config.template}: not valid JSON (${(error as Error).message})`,
      );
    }
    sourceImage ??= sourceImageOfJson(parsed, config.variables);
  } else sourceImage ??= sourceImageOfHcl(templateText);

  const agentConfigText = readInput(config.agent.configFile, 'agent.configFile');
  const agentConfig = loadAgentConfig(config.agent.configFile);
  const executable = readBinaryInput(
    config.agent.executable,
    'agent.executable (run `npm run build` to make it)',
  );
  const lintFiles: LintFile[] = [
    { path: config.file, text: readInput(config.file, 'config') },
    { path: config.template, text: templateText },
    { path: config.agent.configFile, text: agentConfigText },
  ];
  const files = [config.file, config.template, config.agent.configFile];
  const varFiles = config.varFiles.map((file) => {
    const text = readInput(file, 'varFiles');
    lintFiles.push({ path: file, text });
    files.push(file);
    return { path: relative(base, file), sha256: sha256(text) };
  });

  let playbook: BakeInputs['playbook'];
  let requirementsFile = config.requirements;
  if (config.playbook) {
    const dir = dirname(config.playbook);
    if (!existsSync(config.playbook)) {
      throw new KilnError(
        'KILN_ERR_BAKE',
        `playbook ${config.playbook} does not exist; check "playbook" in ${config.file}`,
      );
    }
    const tree = walk(dir, [resolve(config.outputDir)]).map((abs) => {
      const content = readFileSync(abs);
      if (!content.includes(0)) lintFiles.push({ path: abs, text: content.toString('utf8') });
      files.push(abs);
      return { path: relative(dir, abs), sha256: sha256(content) };
    });
    playbook = { entry: relative(dir, config.playbook), tree };
    const defaultRequirements = join(dir, 'requirements.yml');
    if (!requirementsFile && existsSync(defaultRequirements)) requirementsFile = defaultRequirements;
  }
  const requirements = requirementsFile
    ? parseRequirements(parseYaml(readInput(requirementsFile, 'requirements')))
    : [];

  const inputs: BakeInputs = {
    template: { path: relative(base, config.template), sha256: sha256(templateText) },
    variables: config.variables,
    varFiles,
    requirements,
    agent: {
      version: agentVersion,
      executableSha256: sha256(executable),
      ...(config.agent.driftFeed
        ? { driftFeedSha256: sha256(readBinaryInput(config.agent.driftFeed, 'agent.driftFeed')) }
        : {}),
      configSha256: sha256(agentConfigText),
      arch: config.agent.arch,
      heapMiB: config.agent.heapMiB,
      memoryMaxMiB: config.agent.memoryMaxMiB,
      afterUnits: config.agent.afterUnits,
    },
    options: {
      imageRoot: config.imageRoot,
      securityUpdates: config.securityUpdates,
      ansibleArguments: config.ansibleArguments,
    },
  };
  if (config.imageName) inputs.options.imageName = config.imageName;
  if (config.imageVersion) inputs.options.imageVersion = config.imageVersion;
  if (playbook) inputs.playbook = playbook;
  if (sourceImage) inputs.sourceImage = sourceImage;
  const collected: CollectedInputs = {
    inputs,
    lintFiles,
    templateFormat,
    templateText,
    shutdownDeadlineMs: agentConfig.shutdown.deadlineMs,
    agentStateDir: agentConfig.stateDir,
    files,
  };
  if (requirementsFile) collected.requirementsFile = requirementsFile;
  return collected;
}

/** Every file under `dir`, sorted, skipping VCS and kiln directories and `exclude` paths. */
export function walk(dir: string, exclude: readonly string[] = []): string[] {
  const out: string[] = [];
  const visit = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const abs = join(current, entry.name);
      if (exclude.some((e) => abs === e || abs.startsWith(`${e}/`))) continue;
      if (entry.isDirectory()) {
        if (!skippedDirs.has(entry.name)) visit(abs);
      } else if (entry.isFile() && !entry.name.endsWith('.retry')) out.push(abs);
    }
  };
  visit(dir);
  return out.sort();
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function readInput(file: string, what: string): string {
  return readBinaryInput(file, what).toString('utf8');
}

function readBinaryInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new KilnError(
      'KILN_ERR_BAKE',
      `cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? error}); check the path in the bake config`,
      { cause: error },
    );
  }
}
