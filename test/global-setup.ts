/**
 * Starts one real Elasticsearch (the integ-test-zip distribution, through `startLocalEs`) for
 * the whole test run, or uses the cluster in KILN_TEST_ES_URL when set. Tests read the URL
 * with `inject('esUrl')`.
 */
import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { startLocalEs, stopLocalEs } from '../lib/local-es/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    esUrl: string;
  }
}

const instanceName = `vitest-${process.pid}`;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // End-to-end tests run the shipped single-file bundles, so build them first (esbuild: < 1 s).
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const external = process.env.KILN_TEST_ES_URL;
  if (external) {
    project.provide('esUrl', external.replace(/\/$/, ''));
    return async () => {};
  }
  const started = Date.now();
  const state = await startLocalEs({ name: instanceName, heap: '1g', fresh: true }, (m) =>
    process.stderr.write(`[global-setup] ${m}\n`),
  );
  process.stderr.write(
    `[global-setup] Elasticsearch ${state.version} ready at ${state.url} in ${Date.now() - started} ms\n`,
  );
  project.provide('esUrl', state.url);
  return async () => {
    await stopLocalEs(instanceName);
  };
}
