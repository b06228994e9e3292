/** The local Elasticsearch: download once, start, stop, probe. */
export { ensureDistribution, findJava, type Progress } from './distribution.ts';
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
export { defaultEsVersion, esArtifact, kilnCacheDir } from './paths.ts';
