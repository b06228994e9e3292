/**
 * Reads the saved-objects import answer
 * (https://www.elastic.co/guide/en/kibana/8.19/saved-objects-api-import.html): `success`,
 * `successCount`, and per object that failed an `errors[]` entry with `type`, `id`, `meta.title`
 * and `error.type` (conflict, ambiguous_conflict, missing_references, unsupported_type, unknown).
 * Each failure becomes one line a user can act on.
 */

/** One object Kibana did not import. */
export interface ImportFailure {
  type: string;
  id: string;
  title?: string;
  errorType: string;
  line: string;
}

/** The outcome of one import. */
export interface ImportReport {
  success: boolean;
  successCount: number;
  failures: ImportFailure[];
}

interface RawImportError {
  type?: string;
  id?: string;
  title?: string;
  meta?: { title?: string };
  error?: {
    type?: string;
    message?: string;
    references?: Array<{ type?: string; id?: string }>;
    destinations?: unknown[];
  };
}

function explain(error: RawImportError['error']): string {
  switch (error?.type) {
    case 'conflict':
      return 'an object with this id already exists; run again with --overwrite to replace it';
    case 'ambiguous_conflict':
      return 'several existing objects match it; remove the copies in Kibana, then run again';
    case 'missing_references':
      return `it refers to objects Kibana does not have: ${(error.references ?? [])
        .map((r) => `${r.type} ${r.id}`)
        .join(', ')}`;
    case 'unsupported_type':
      return 'this Kibana does not know the object type; it needs Kibana 8.9 or newer';
    default:
      return error?.message ?? 'Kibana gave no reason';
  }
}

/** The report of an import answer body (HTTP 200). */
export function parseImportResponse(body: unknown): ImportReport {
  const raw = (body ?? {}) as { success?: unknown; successCount?: unknown; errors?: RawImportError[] };
  const failures = (raw.errors ?? []).map((e): ImportFailure => {
    const title = e.meta?.title ?? e.title;
    const errorType = e.error?.type ?? 'unknown';
    return {
      type: e.type ?? '?',
      id: e.id ?? '?',
      ...(title ? { title } : {}),
      errorType,
      line: `${e.type ?? '?'} ${e.id ?? '?'}${title ? ` "${title}"` : ''}: ${errorType}: ${explain(e.error)}`,
    };
  });
  return {
    success: raw.success === true && failures.length === 0,
    successCount: typeof raw.successCount === 'number' ? raw.successCount : 0,
    failures,
  };
}

/** The message of a Kibana error answer (`{statusCode, error, message}`), or the raw text. */
export function kibanaErrorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string; message?: string };
    if (body.message) return `HTTP ${status}${body.error ? ` ${body.error}` : ''}: ${body.message}`;
  } catch {
    // Not JSON (a proxy's HTML page, say): fall through to the raw text.
  }
  return `HTTP ${status}: ${text.slice(0, 200).trim() || 'no body'}`;
}
