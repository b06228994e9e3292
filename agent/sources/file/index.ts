/** The file source's factory: the only way the runtime builds it. */
import type { Logger } from '../../../lib/log.ts';
import type { AgentConfig } from '../../config.ts';
import type { AgentIdentity } from '../../pipeline/source.ts';
import { FileSource } from './file-source.ts';
import { compileFileSettings } from './settings.ts';

export type { FileCompleteness } from './file-source.ts';
export { FileSource } from './file-source.ts';

/** Builds the file source from the agent config (throws KILN_ERR_CONFIG on a bad regex). */
export function createFileSource(
  config: AgentConfig,
  identity: AgentIdentity,
  log: Logger,
  options: { now?: () => number; onRead?: (bytes: number, records: number) => void } = {},
): FileSource {
  const settings = compileFileSettings(config, identity, options.now);
  settings.onRead = options.onRead;
  return new FileSource(settings, log.child('files'));
}
