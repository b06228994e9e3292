/**
 * The Elasticsearch connection every part uses: the official client, configured once.
 * The 8.x client talks to ES 8 and, through REST compatibility, to ES 9.
 */
import { readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import { EsUnavailableError, KilnError } from './errors.ts';
import type { EsConnectionOptions } from './es-options.ts';

export { type EsConnectionOptions, esOptionsFromEnv } from './es-options.ts';

/** Creates the official client for these options. */
export function createEsClient(options: EsConnectionOptions): Client {
  let auth: { username: string; password: string } | { apiKey: string } | undefined;
  if (options.apiKey) auth = { apiKey: options.apiKey };
  else if (options.username) auth = { username: options.username, password: options.password ?? '' };
  return new Client({
    node: options.url,
    ...(auth ? { auth } : {}),
    ...(options.caFile ? { tls: { ca: readFileSync(options.caFile) } } : {}),
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 0,
    compression: false,
  });
}

/** True when the error means "Elasticsearch is unreachable or overloaded; try later". */
export function isTransientEsError(error: unknown): boolean {
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError) return true;
  if (error instanceof errors.NoLivingConnectionsError) return true;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode ?? 0;
    return status === 429 || status >= 500;
  }
  return false;
}

/** The HTTP status of a client error, when it had one. */
export function esStatusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

/**
 * Wraps a client error into a KilnError a user can act on: unreachable/overloaded clusters become
 * KILN_ERR_ES_UNAVAILABLE, refused credentials KILN_ERR_AUTH, the rest KILN_ERR_ES_REQUEST.
 */
export function wrapEsError(error: unknown, what: string, url?: string): KilnError {
  if (error instanceof KilnError) return error;
  const where = url ? ` at ${url}` : '';
  if (isTransientEsError(error)) {
    return new EsUnavailableError(
      `${what} failed: Elasticsearch${where} is unavailable (${shortReason(error)}); check that it is running (kiln local-es status) and retry`,
      { cause: error },
    );
  }
  const status = esStatusOf(error);
  if (status === 401 || status === 403) {
    return new KilnError(
      'KILN_ERR_AUTH',
      `${what} failed: Elasticsearch${where} refused the credentials (HTTP ${status}); check KILN_ES_USERNAME/KILN_ES_PASSWORD or KILN_ES_API_KEY`,
      { cause: error },
    );
  }
  return new KilnError('KILN_ERR_ES_REQUEST', `${what} failed: ${shortReason(error)}`, { cause: error });
}

function shortReason(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const body = error.body as { error?: { type?: string; reason?: string } } | undefined;
    const reason = body?.error?.reason ?? body?.error?.type;
    return `HTTP ${error.statusCode}${reason ? `: ${reason}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
