/**
 * Fetches the integ-test-zip distribution from Maven Central with `mvn dependency:copy`
 * (once per version) and unpacks it into the cache. Clear errors when Maven is missing or the
 * download fails; which Java runs it is java.ts's business.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KilnError } from '../errors.ts';
import { distributionHome, esArtifact } from './paths.ts';

/** Progress messages for long steps. */
export type Progress = (message: string) => void;

/** Returns the unpacked distribution, downloading and unpacking it first when needed. */
export function ensureDistribution(cacheDir: string, version: string, progress: Progress = () => {}): string {
  const home = distributionHome(cacheDir, version);
  if (existsSync(join(home, 'bin', 'elasticsearch'))) return home;
  const zip = downloadDistribution(cacheDir, version, progress);
  progress(`unpacking ${zip}`);
  const versionDir = dirname(home);
  const staging = `${versionDir}.unpacking-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  const unzip = spawnSync('unzip', ['-q', zip, '-d', staging], { encoding: 'utf8' });
  if (unzip.error || unzip.status !== 0) {
    const py = spawnSync('python3', ['-m', 'zipfile', '-e', zip, staging], { encoding: 'utf8' });
    if (py.error || py.status !== 0) {
      throw new KilnError('KILN_ERR_LOCAL_ES', `cannot unpack ${zip}: install unzip (apt-get install unzip)`);
    }
  }
  for (const bin of readdirSync(join(staging, `elasticsearch-${version}`, 'bin'))) {
    chmodSync(join(staging, `elasticsearch-${version}`, 'bin', bin), 0o755);
  }
  if (existsSync(home)) {
    rmSync(staging, { recursive: true, force: true });
    return home;
  }
  mkdirSync(dirname(versionDir), { recursive: true, mode: 0o755 });
  rmSync(versionDir, { recursive: true, force: true });
  renameSync(staging, versionDir);
  return home;
}

/** Downloads the zip through Maven (cached in the kiln cache), returning its path. */
export function downloadDistribution(
  cacheDir: string,
  version: string,
  progress: Progress = () => {},
): string {
  const downloads = join(cacheDir, 'elasticsearch', 'downloads');
  const zip = join(downloads, `elasticsearch-${version}.zip`);
  if (existsSync(zip) && statSync(zip).size > 0) return zip;
  const mvn = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  if (mvn.error) {
    throw new KilnError(
      'KILN_ERR_MISSING_TOOL',
      'Maven (mvn) not found: kiln downloads Elasticsearch from Maven Central with it (apt-get install maven); or point kiln at your own cluster with --es-url',
    );
  }
  mkdirSync(downloads, { recursive: true, mode: 0o755 });
  progress(`downloading Elasticsearch ${version} (integ-test-zip, about 100 MiB) from Maven Central…`);
  const started = Date.now();
  const result = spawnSync(
    'mvn',
    ['-B', '-q', 'dependency:copy', `-Dartifact=${esArtifact(version)}`, `-DoutputDirectory=${downloads}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0 || !existsSync(zip)) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new KilnError(
      'KILN_ERR_DOWNLOAD',
      `downloading ${esArtifact(version)} with Maven failed (exit ${result.status}): ${tail || 'no output'}`,
    );
  }
  const mib = (statSync(zip).size / 1048576).toFixed(1);
  progress(`downloaded ${mib} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return zip;
}
