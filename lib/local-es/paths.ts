/**
 * Where the local Elasticsearch lives on disk. The distribution is cached once per version;
 * each named instance has its own state directory (config, data, logs, state.json).
 * As root the cache defaults to /var/cache/kiln so the unprivileged user that runs
 * Elasticsearch (it refuses to run as root) can read it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The Elasticsearch version kiln pins: 8.x runs on the machine's Java 17. 9.x works too
 * (`--es-version 9.2.4`, on Java 21+); the 8.x client talks to both (test/lib/es-compat.test.ts).
 */
export const defaultEsVersion = '8.19.21';

/** The Maven coordinates of the minimal distribution (packaging zip). */
export function esArtifact(version: string): string {
  return `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${version}:zip`;
}

/** kiln's cache directory: `KILN_CACHE_DIR`, else /var/cache/kiln as root, else ~/.cache/kiln. */
export function kilnCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_CACHE_DIR) return env.KILN_CACHE_DIR;
  if (process.getuid?.() === 0) return '/var/cache/kiln';
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiln');
}

/** The unpacked distribution of a version. */
export function distributionHome(cacheDir: string, version: string): string {
  return join(cacheDir, 'elasticsearch', version, `elasticsearch-${version}`);
}

/** The state directory of a named instance. */
export function instanceDir(cacheDir: string, name: string): string {
  return join(cacheDir, 'local-es', name);
}
