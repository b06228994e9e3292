/**
 * Elasticsearch connection settings, kept apart from the client so that code which only
 * parses flags (the CLI layer, which the agent bundle shares) never pulls the client in.
 */

/** How to reach Elasticsearch; credentials live only on the collector and the operator's machine. */
export interface EsConnectionOptions {
  /** Base URL, e.g. http://127.0.0.1:9200. */
  url: string;
  username?: string;
  password?: string;
  /** An API key (base64 `id:key`) instead of basic auth. */
  apiKey?: string;
  /** A PEM CA file for a cluster with its own certificate authority. */
  caFile?: string;
  /** Per-request timeout. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Client-level retries on connection errors. Default 0: kiln's callers decide about retries. */
  maxRetries?: number;
}

/** Connection options from `KILN_ES_*` environment variables and flags (flags win). */
export function esOptionsFromEnv(
  flags: { esUrl?: string; esUser?: string; esPassword?: string; esApiKey?: string; esCa?: string },
  env: NodeJS.ProcessEnv = process.env,
): EsConnectionOptions {
  const url = flags.esUrl ?? env.KILN_ES_URL ?? 'http://127.0.0.1:9200';
  const options: EsConnectionOptions = { url };
  const username = flags.esUser ?? env.KILN_ES_USERNAME;
  const password = flags.esPassword ?? env.KILN_ES_PASSWORD;
  const apiKey = flags.esApiKey ?? env.KILN_ES_API_KEY;
  const caFile = flags.esCa ?? env.KILN_ES_CA;
  if (username) options.username = username;
  if (password) options.password = password;
  if (apiKey) options.apiKey = apiKey;
  if (caFile) options.caFile = caFile;
  return options;
}
