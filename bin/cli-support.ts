/**
 * What every command shares: one-line failures with a non-zero exit, Elasticsearch options,
 * `--json` output. Commands stay thin: parse → load config → run.
 */
import type { Command } from 'commander';
import { describeError, KilnError } from '../lib/errors.ts';
import { type EsConnectionOptions, esOptionsFromEnv } from '../lib/es-options.ts';
import { defaultIndexPrefix } from '../lib/indices.ts';

/** Elasticsearch flags as commander hands them over. */
export interface EsFlags {
  esUrl?: string;
  esUser?: string;
  esPassword?: string;
  esApiKey?: string;
  esCa?: string;
  indexPrefix?: string;
}

/** Adds the Elasticsearch connection flags (each also settable by environment). */
export function withEsOptions(command: Command): Command {
  return command
    .option('--es-url <url>', 'Elasticsearch URL (env KILN_ES_URL; default http://127.0.0.1:9200)')
    .option('--es-user <name>', 'Elasticsearch user (env KILN_ES_USERNAME)')
    .option('--es-password <password>', 'Elasticsearch password (env KILN_ES_PASSWORD)')
    .option('--es-api-key <key>', 'Elasticsearch API key, base64 id:key (env KILN_ES_API_KEY)')
    .option('--es-ca <file>', 'PEM CA certificate of the cluster (env KILN_ES_CA)')
    .option(
      '--index-prefix <prefix>',
      `index name prefix (env KILN_INDEX_PREFIX; default ${defaultIndexPrefix})`,
    );
}

/** Connection options from flags and environment. */
export function esOptions(flags: EsFlags): EsConnectionOptions {
  return esOptionsFromEnv(flags);
}

/** The index prefix from flags and environment. */
export function indexPrefix(flags: EsFlags): string {
  return flags.indexPrefix ?? process.env.KILN_INDEX_PREFIX ?? defaultIndexPrefix;
}

/** Exit codes kiln uses. */
export const exitCodes = { ok: 0, failure: 1, usage: 2, drifted: 3 } as const;

/**
 * Wraps a command action: any error becomes `kiln: <message>` on stderr and a non-zero exit
 * (2 for usage and config errors, 1 otherwise). Set KILN_DEBUG=1 for the stack.
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | undefined> | number | undefined,
) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number' && code !== 0) process.exitCode = code;
    } catch (error) {
      const code =
        error instanceof KilnError && (error.code === 'KILN_ERR_USAGE' || error.code === 'KILN_ERR_CONFIG')
          ? exitCodes.usage
          : exitCodes.failure;
      process.stderr.write(`kiln: ${describeError(error)}\n`);
      if (process.env.KILN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exitCode = code;
    }
  };
}

/** Prints data as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Appends an "Example" section to a command's help. */
export function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Parses an integer flag, or fails with a usage error naming the flag. */
export function intFlag(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new KilnError('KILN_ERR_USAGE', `${name} expects a whole number, got "${value}"`);
  return n;
}
