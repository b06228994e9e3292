/**
 * Picks the Java that runs a given Elasticsearch version. The integ-test-zip bundles no JDK, so
 * kiln looks for one: ES 8.x needs Java 17 or newer, ES 9.x Java 21 or newer
 * (https://www.elastic.co/support/matrix#matrix_jvm). A machine often has several JDKs (the
 * distribution's Java 17 on PATH, a newer one under /usr/lib/jvm or /opt), so every candidate is
 * asked for its version and the first new enough one wins; an explicit ES_JAVA_HOME is honoured
 * or refused, never silently passed over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KilnError } from '../errors.ts';

/** Where a usable Java is, and its major version. */
export interface JavaInfo {
  home: string;
  major: number;
}

/** Directories whose subdirectories are JDK homes on Debian (`/usr/lib/jvm`) and tarball installs (`/opt`). */
export const jdkParentDirs: readonly string[] = ['/usr/lib/jvm', '/opt'];

/** The oldest Java major that Elasticsearch `version` runs on: 17 for 8.x, 21 for 9.x and later. */
export function requiredJavaMajor(esVersion: string): number {
  const major = Number.parseInt(esVersion, 10);
  return Number.isFinite(major) && major >= 9 ? 21 : 17;
}

/** The major version `java -version` reports (`17.0.15` → 17, `1.8.0_392` → 8), or undefined. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function javaMajorAt(home: string): number | undefined {
  const java = join(home, 'bin', 'java');
  if (!existsSync(java)) return undefined;
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return parseJavaMajor(`${out.stderr}${out.stdout}`);
}

/** JAVA_HOME, `java` on PATH, then every JDK home under `parents`, in that order, without repeats. */
export function javaCandidates(
  env: NodeJS.ProcessEnv = process.env,
  parents: readonly string[] = jdkParentDirs,
): string[] {
  const found: string[] = [];
  if (env.JAVA_HOME) found.push(env.JAVA_HOME);
  const onPath = spawnSync('/bin/sh', ['-c', 'readlink -f "$(command -v java)"'], { encoding: 'utf8', env });
  if (onPath.status === 0 && onPath.stdout.trim()) found.push(dirname(dirname(onPath.stdout.trim())));
  for (const parent of parents) {
    let names: string[] = [];
    try {
      names = readdirSync(parent).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (existsSync(join(parent, name, 'bin', 'java'))) found.push(join(parent, name));
    }
  }
  return [...new Set(found)];
}

function needs(esVersion: string, minimumMajor: number): string {
  return `Elasticsearch ${esVersion} needs Java ${minimumMajor} or newer`;
}

/**
 * The Java to run Elasticsearch `esVersion` with. ES_JAVA_HOME, when set, is the only candidate
 * (as for Elasticsearch's own launcher); otherwise the first candidate of `javaCandidates` whose
 * major is at least `requiredJavaMajor(esVersion)`.
 */
export function findJava(
  esVersion: string,
  env: NodeJS.ProcessEnv = process.env,
  parents: readonly string[] = jdkParentDirs,
): JavaInfo {
  const minimumMajor = requiredJavaMajor(esVersion);
  const install =
    minimumMajor > 17 ? `a Temurin or OpenJDK ${minimumMajor}+` : 'apt-get install openjdk-17-jre-headless';
  if (env.ES_JAVA_HOME) {
    const major = javaMajorAt(env.ES_JAVA_HOME);
    if (major === undefined) {
      throw new KilnError(
        'KILN_ERR_MISSING_TOOL',
        `ES_JAVA_HOME=${env.ES_JAVA_HOME} holds no runnable bin/java`,
      );
    }
    if (major < minimumMajor) {
      throw new KilnError(
        'KILN_ERR_MISSING_TOOL',
        `Java ${major} at ES_JAVA_HOME=${env.ES_JAVA_HOME} is too old: ${needs(esVersion, minimumMajor)} (unset ES_JAVA_HOME to let kiln look, or point it at ${install})`,
      );
    }
    return { home: env.ES_JAVA_HOME, major };
  }
  const seen: string[] = [];
  for (const home of javaCandidates(env, parents)) {
    const major = javaMajorAt(home);
    if (major === undefined) continue;
    if (major >= minimumMajor) return { home, major };
    seen.push(`Java ${major} at ${home}`);
  }
  throw new KilnError(
    'KILN_ERR_MISSING_TOOL',
    seen.length > 0
      ? `no Java new enough: ${needs(esVersion, minimumMajor)}, found only ${seen.join(', ')} (install ${install}, or set ES_JAVA_HOME)`
      : `Java not found: ${needs(esVersion, minimumMajor)} (install ${install}, or set ES_JAVA_HOME); or point kiln at your own cluster with --es-url`,
  );
}
