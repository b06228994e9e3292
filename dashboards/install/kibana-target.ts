/**
 * Where and how to reach Kibana: the base URL, the space, and the auth header. Kibana takes an
 * API key as `Authorization: ApiKey <base64 id:key>` and a user as HTTP basic auth
 * (https://www.elastic.co/guide/en/kibana/8.19/api.html); a space is a path prefix `/s/<id>`.
 */
import { KilnError } from '../../lib/errors.ts';

/** How to reach one Kibana. */
export interface KibanaTarget {
  /** Base URL, e.g. http://127.0.0.1:5601 (a base path like /kibana is kept). */
  url: string;
  /** Space id; default the default space. */
  space?: string;
  apiKey?: string;
  username?: string;
  password?: string;
  /** Per-request timeout. Default 30 000 ms. */
  timeoutMs?: number;
}

/** The URL of a Kibana API path in the target's space. */
export function kibanaApiUrl(target: KibanaTarget, path: string, query: Record<string, string> = {}): string {
  let base: URL;
  try {
    base = new URL(target.url);
  } catch (error) {
    throw new KilnError(
      'KILN_ERR_USAGE',
      `--kibana-url "${target.url}" is not a URL; expected e.g. http://127.0.0.1:5601`,
      {
        cause: error,
      },
    );
  }
  if (target.space !== undefined && !/^[a-z0-9_-]+$/.test(target.space)) {
    throw new KilnError(
      'KILN_ERR_USAGE',
      `--space "${target.space}" is not a Kibana space id (lowercase letters, digits, "_" and "-")`,
    );
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const space = target.space && target.space !== 'default' ? `/s/${target.space}` : '';
  const url = new URL(`${base.origin}${basePath}${space}${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

/** The headers every Kibana API call needs: `kbn-xsrf` and the auth, if any. */
export function kibanaHeaders(target: KibanaTarget): Record<string, string> {
  const headers: Record<string, string> = { 'kbn-xsrf': 'true' };
  if (target.apiKey && target.username) {
    throw new KilnError('KILN_ERR_USAGE', 'give either --api-key or --username/--password, not both');
  }
  if (target.apiKey) headers.authorization = `ApiKey ${target.apiKey}`;
  else if (target.username) {
    headers.authorization = `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}`;
  }
  return headers;
}
