/**
 * The file source's settings, compiled once from the agent config: regexes built, defaults
 * applied, the identity and clock injected.
 */
import { KilnError } from '../../../lib/errors.ts';
import type { AgentConfig, FileInputConfig } from '../../config.ts';
import type { AgentIdentity } from '../../pipeline/source.ts';
import type { TailerSettings } from './tailer.ts';

/** One input with its compiled tailer settings. */
export interface CompiledInput {
  config: FileInputConfig;
  tailer: TailerSettings;
}

/** Everything the file source needs. */
export interface FileSourceSettings {
  stateDir: string;
  inputs: CompiledInput[];
  scanIntervalMs: number;
  pollIntervalMs: number;
  checkpointIntervalMs: number;
  closeRotatedAfterMs: number;
  now: () => number;
  onRead?: (bytes: number, records: number) => void;
}

function compileRegex(text: string, key: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new KilnError(
      'KILN_ERR_CONFIG',
      `${key}: not a valid regular expression: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Compiles the agent config's file inputs. */
export function compileFileSettings(
  config: AgentConfig,
  identity: AgentIdentity,
  now: () => number = Date.now,
): FileSourceSettings {
  const inputs = config.inputs.files.map((input, index): CompiledInput => {
    const key = `inputs.files.${index}`;
    const ml = input.multiline;
    return {
      config: input,
      tailer: {
        maxLineBytes: input.maxLineBytes,
        multiline: ml && {
          startPattern: compileRegex(ml.startPattern, `${key}.multiline.startPattern`),
          maxLines: ml.maxLines,
          timeoutMs: ml.timeoutMs,
          maxChars: input.maxLineBytes,
        },
        shape: {
          json: input.json,
          timestamp: input.timestamp && {
            pattern: input.timestamp.pattern
              ? compileRegex(input.timestamp.pattern, `${key}.timestamp.pattern`)
              : undefined,
            jsonField: input.timestamp.jsonField,
          },
        },
        identity,
        now,
      },
    };
  });
  return {
    stateDir: config.stateDir,
    inputs,
    scanIntervalMs: config.inputs.scanIntervalMs,
    pollIntervalMs: config.inputs.pollIntervalMs,
    checkpointIntervalMs: config.inputs.checkpointIntervalMs,
    closeRotatedAfterMs: config.inputs.closeRotatedAfterMs,
    now,
  };
}
