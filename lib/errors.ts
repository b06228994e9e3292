/**
 * All of kiln's errors share one base class with a fixed `code`, so callers branch on
 * `code` (never on message text) and the CLI prints one line: what happened, why, what to do.
 */

/** Every error code kiln raises. */
export type KilnErrorCode =
  | 'KILN_ERR_CONFIG'
  | 'KILN_ERR_USAGE'
  | 'KILN_ERR_ES_UNAVAILABLE'
  | 'KILN_ERR_ES_REQUEST'
  | 'KILN_ERR_LOCAL_ES'
  | 'KILN_ERR_MISSING_TOOL'
  | 'KILN_ERR_DOWNLOAD'
  | 'KILN_ERR_AUTH'
  | 'KILN_ERR_FORBIDDEN'
  | 'KILN_ERR_CONFLICT'
  | 'KILN_ERR_RATE_LIMITED'
  | 'KILN_ERR_CLOUD_UNAVAILABLE'
  | 'KILN_ERR_COLLECTOR'
  | 'KILN_ERR_AGENT'
  | 'KILN_ERR_BASELINE'
  | 'KILN_ERR_BAKE'
  | 'KILN_ERR_SECRET'
  | 'KILN_ERR_POLICY'
  | 'KILN_ERR_ACTION'
  | 'KILN_ERR_KIBANA'
  | 'KILN_ERR_NOT_FOUND';

/** The one base class of kiln's errors. */
export class KilnError extends Error {
  override readonly name: string = 'KilnError';
  readonly code: KilnErrorCode;

  constructor(code: KilnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A config file that does not match its schema: names the file, the key and the expectation. */
export class ConfigError extends KilnError {
  override readonly name = 'ConfigError';
  readonly file: string;
  readonly key: string;

  constructor(file: string, key: string, expectation: string, options?: { cause?: unknown }) {
    super('KILN_ERR_CONFIG', `${file}: ${key || '(top level)'}: ${expectation}`, options);
    this.file = file;
    this.key = key;
  }
}

/** Elasticsearch could not be reached or answered 429/5xx: the work can be retried later. */
export class EsUnavailableError extends KilnError {
  override readonly name = 'EsUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('KILN_ERR_ES_UNAVAILABLE', message, options);
  }
}

/** True when `error` is a KilnError with the given code. */
export function hasCode(error: unknown, code: KilnErrorCode): error is KilnError {
  return error instanceof KilnError && error.code === code;
}

/** The message of any thrown value, for logs and one-line CLI failures. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
