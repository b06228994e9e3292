/**
 * Strict config loading: a YAML or JSON file parsed once against a zod schema that rejects
 * unknown keys; the first problem becomes a ConfigError naming file, key and expectation.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.ts';

/** Reads and validates a config file (YAML or JSON; YAML is a superset, so one parser serves both). */
export function loadConfigFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      file,
      '',
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`,
      {
        cause: error,
      },
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError(file, '', `not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  return parseConfig(file, raw ?? {}, schema);
}

/** Validates an already parsed value; `source` names where it came from in errors. */
export function parseConfig<S extends z.ZodType>(source: string, raw: unknown, schema: S): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const prefix = key ? `${key}.` : '';
    const names = issue.keys.map((k) => prefix + k).join(', ');
    throw new ConfigError(
      source,
      names,
      'unknown key (check the spelling; see the README for the accepted keys)',
    );
  }
  throw new ConfigError(source, key, expectationOf(issue));
}

function expectationOf(issue: z.core.$ZodIssue): string {
  const message = issue.message.replace(/^(Invalid input|Invalid option|Too small|Too big): /, '');
  return message.startsWith('expected') ? message : `expected ${message}`;
}
