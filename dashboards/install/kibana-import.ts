/**
 * Talks to Kibana: `GET /api/status` to learn that it is reachable, accepts the credentials and
 * is new enough, then `POST /api/saved_objects/_import` with the NDJSON as the multipart field
 * `file` (https://www.elastic.co/guide/en/kibana/8.19/saved-objects-api-import.html).
 */
import { FormData, fetch } from 'undici';
import { KilnError } from '../../lib/errors.ts';
import { minimumKibanaVersion } from '../saved-objects/types.ts';
import { type ImportReport, kibanaErrorMessage, parseImportResponse } from './import-result.ts';
import { type KibanaTarget, kibanaApiUrl, kibanaHeaders } from './kibana-target.ts';

/** What `GET /api/status` said. */
export interface KibanaStatus {
  version: string;
  /** Overall status level (available, degraded, unavailable, critical). */
  level?: string;
}

async function call(target: KibanaTarget, url: string, init: { method: string; body?: FormData }) {
  try {
    return await fetch(url, {
      method: init.method,
      headers: kibanaHeaders(target),
      ...(init.body ? { body: init.body } : {}),
      signal: AbortSignal.timeout(target.timeoutMs ?? 30_000),
    });
  } catch (error) {
    if (error instanceof KilnError) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new KilnError(
      'KILN_ERR_KIBANA',
      `cannot reach Kibana at ${target.url} (${reason}); check --kibana-url and that Kibana is running`,
      { cause: error },
    );
  }
}

function refused(target: KibanaTarget, status: number, text: string): KilnError {
  const how = target.apiKey
    ? 'the API key'
    : target.username
      ? `user "${target.username}"`
      : 'an anonymous request';
  return new KilnError(
    'KILN_ERR_AUTH',
    `Kibana at ${target.url} refused ${how} (${kibanaErrorMessage(status, text)}); ` +
      (status === 401
        ? 'check --api-key or --username/--password'
        : 'the user needs the saved-objects management privilege in this space'),
  );
}

/** True when `version` (x.y.z) is at least `minimum`. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(/[.-]/).map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (Number.isNaN(x)) return false;
    if (x !== y) return x > y;
  }
  return true;
}

/** Checks that Kibana answers, accepts the credentials and is new enough; returns its status. */
export async function checkKibana(target: KibanaTarget): Promise<KibanaStatus> {
  const response = await call(target, kibanaApiUrl(target, '/api/status'), { method: 'GET' });
  const text = await response.text();
  if (response.status === 401 || response.status === 403) throw refused(target, response.status, text);
  if (!response.ok) {
    throw new KilnError(
      'KILN_ERR_KIBANA',
      `Kibana at ${target.url} answered the status check with ${kibanaErrorMessage(response.status, text)}`,
    );
  }
  const body = JSON.parse(text) as {
    version?: { number?: string };
    status?: { overall?: { level?: string } };
  };
  const version = body.version?.number;
  if (!version) {
    throw new KilnError(
      'KILN_ERR_KIBANA',
      `${target.url} answered /api/status without a version: is it Kibana?`,
    );
  }
  if (!versionAtLeast(version, minimumKibanaVersion)) {
    throw new KilnError(
      'KILN_ERR_KIBANA',
      `Kibana ${version} at ${target.url} is older than ${minimumKibanaVersion}, the oldest that reads kiln's saved objects; upgrade Kibana`,
    );
  }
  const level = body.status?.overall?.level;
  return { version, ...(level ? { level } : {}) };
}

/** Imports the NDJSON; throws for transport, auth and request errors, reports per-object errors. */
export async function importSavedObjects(
  target: KibanaTarget,
  ndjson: string,
  options: { overwrite: boolean },
): Promise<ImportReport> {
  const form = new FormData();
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), 'kiln-saved-objects.ndjson');
  const url = kibanaApiUrl(
    target,
    '/api/saved_objects/_import',
    options.overwrite ? { overwrite: 'true' } : {},
  );
  const response = await call(target, url, { method: 'POST', body: form });
  const text = await response.text();
  if (response.status === 401 || response.status === 403) throw refused(target, response.status, text);
  if (!response.ok) {
    throw new KilnError(
      'KILN_ERR_KIBANA',
      `Kibana refused the import: ${kibanaErrorMessage(response.status, text)}`,
    );
  }
  return parseImportResponse(JSON.parse(text));
}
