/**
 * The staging directory Packer uploads into the machine: the agent executable, its unit
 * and config, the install and finalize scripts, and the manifest template.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComposePlan } from './compose.ts';
import type { BakeConfig } from './config.ts';
import {
  renderDriftFeedUnit,
  renderFinalizeScript,
  renderInstallScript,
  renderManifestTemplate,
  renderUnit,
} from './image-files.ts';
import type { CollectedInputs } from './inputs.ts';
import type { BakeFields } from './store/record.ts';

/** Writes the staging directory of a bake (and creates its download directory). */
export function writeStage(
  config: BakeConfig,
  collected: CollectedInputs,
  plan: ComposePlan,
  fields: BakeFields,
): void {
  mkdirSync(plan.localStage, { recursive: true });
  mkdirSync(plan.downloadDir, { recursive: true });
  const scripts = { imageRoot: config.imageRoot, remoteStage: plan.remoteStage };
  const files: Record<string, string | Buffer> = {
    'kiln-agent': readFileSync(config.agent.executable),
    // The agent's source map, read only when KILN_DEBUG is set (built beside the executable).
    ...agentSourceMap(config.agent.executable),
    'kiln-agent.service': renderUnit({
      afterUnits: config.agent.afterUnits,
      shutdownDeadlineMs: collected.shutdownDeadlineMs,
      stateDir: collected.agentStateDir,
      heapMiB: config.agent.heapMiB,
      memoryMaxMiB: config.agent.memoryMaxMiB,
    }),
    ...(config.agent.driftFeed
      ? {
          'kiln-drift-feed': readFileSync(config.agent.driftFeed),
          'kiln-drift-feed.service': renderDriftFeedUnit(),
        }
      : {}),
    'agent.yaml': readFileSync(config.agent.configFile),
    'install.sh': renderInstallScript(scripts),
    'finalize.sh': renderFinalizeScript(scripts),
    'image.json.in': renderManifestTemplate({
      bakeId: fields.id,
      bakeKey: fields.key,
      parentImage: fields.source_image,
      imageName: fields.image_name,
      imageVersion: fields.image_version,
      gitRevision: fields.git_revision,
      gitDirty: fields.git_dirty,
      packerVersion: fields.packer_version ?? 'unknown',
      ansibleVersion: fields.ansible_version,
      agentVersion: fields.agent_version ?? 'unknown',
      applicationUnits: config.agent.afterUnits,
    }),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(plan.localStage, name), content);
}

/** dist/kiln-agent.cjs.map beside the executable, when the build made one. */
function agentSourceMap(executable: string): Record<string, Buffer> {
  const map = join(dirname(executable), 'kiln-agent.cjs.map');
  return existsSync(map) ? { 'kiln-agent.cjs.map': readFileSync(map) } : {};
}
