/** The local Elasticsearch: download once, start, stop, probe. */
export { ensureDistribution, type Progress } from './distribution.ts';
export {
  freePort,
  isAlive,
  type LocalEsOptions,
  type LocalEsState,
  probe,
  readLocalEsState,
  startLocalEs,
  stopLocalEs,
} from './instance.ts';
export { findJava, type JavaInfo, javaCandidates, parseJavaMajor, requiredJavaMajor } from './java.ts';
export { defaultEsVersion, esArtifact, kilnCacheDir } from './paths.ts';
