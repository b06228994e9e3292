/** The journald source's factory: the only way the runtime builds it. */
import { KilnError } from '../../../lib/errors.ts';
import type { Logger } from '../../../lib/log.ts';
import type { AgentConfig } from '../../config.ts';
import { readImageManifest } from '../../facts/manifest.ts';
import type { AgentIdentity } from '../../pipeline/source.ts';
import { journalMatches } from './journalctl-args.ts';
import { JournaldSource } from './journald-source.ts';

export type { JournaldInputConfig } from './config.ts';
export { journaldInputSchema } from './config.ts';
export type { JournalCompleteness } from './journald-source.ts';
export { JournaldSource } from './journald-source.ts';

/** Builds the journald source (throws KILN_ERR_CONFIG on duplicate ids or an input that reads nothing). */
export function createJournaldSource(
  config: AgentConfig,
  identity: AgentIdentity,
  log: Logger,
  options: { now?: () => number } = {},
): JournaldSource {
  const inputs = config.inputs.journald;
  const ids = new Set<string>();
  inputs.forEach((input, index) => {
    if (ids.has(input.id))
      throw new KilnError(
        'KILN_ERR_CONFIG',
        `inputs.journald.${index}.id: "${input.id}" is used twice; give each journal its own id`,
      );
    ids.add(input.id);
    if (!input.all && !input.defaults && journalMatches(input, []).length === 0)
      throw new KilnError(
        'KILN_ERR_CONFIG',
        `inputs.journald.${index}: reads nothing (defaults: false, no units, no identifiers); add units or set all: true`,
      );
  });
  return new JournaldSource(
    {
      stateDir: config.stateDir,
      inputs,
      checkpointIntervalMs: config.inputs.checkpointIntervalMs,
      identity,
      // The bake names the application units (agent.afterUnits) in the image manifest.
      applicationUnits: async () => {
        const image = await readImageManifest(config.facts.manifestPath).catch(() => ({
          baked: false as const,
        }));
        return image.baked ? (image.manifest.applicationUnits ?? []) : [];
      },
      now: options.now ?? Date.now,
    },
    log.child('journald'),
  );
}
