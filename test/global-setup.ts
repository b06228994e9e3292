/**
 * The global setup of the `integration` and `e2e` projects (vitest.config.ts): builds the
 * bundles once and starts one real Elasticsearch (the integ-test-zip distribution, through
 * `startLocalEs`) for the whole run, or uses the cluster in KILN_TEST_ES_URL when set. Both
 * projects share the one build and the one cluster (kept on globalThis, counted, stopped after
 * the last project). KILN_TEST_ES_VERSION picks the version (default the pinned 8.x; CI runs the
 * Elasticsearch-backed tests again on 9.x). Tests read the URL with `inject('esUrl')`. The `unit`
 * project has none.
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

interface Shared {
  ready: Promise<string>;
  users: number;
  stop: () => Promise<void>;
}

const key = Symbol.for('kiln.test.elasticsearch');
const holder = globalThis as { [key]?: Shared };

async function prepare(): Promise<{ url: string; stop: () => Promise<void> }> {
  // End-to-end tests run the shipped bundles, so build them first.
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const external = process.env.KILN_TEST_ES_URL;
  if (external) return { url: external.replace(/\/$/, ''), stop: async () => {} };
  const started = Date.now();
  const version = process.env.KILN_TEST_ES_VERSION || undefined;
  const state = await startLocalEs(
    { name: instanceName, heap: '1g', fresh: true, ...(version ? { version } : {}) },
    (m) => process.stderr.write(`[global-setup] ${m}\n`),
  );
  process.stderr.write(
    `[global-setup] Elasticsearch ${state.version} ready at ${state.url} in ${Date.now() - started} ms\n`,
  );
  return {
    url: state.url,
    stop: async () => {
      await stopLocalEs(instanceName);
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = holder[key];
  if (!shared) {
    let stop: () => Promise<void> = async () => {};
    const ready = prepare().then((prepared) => {
      stop = prepared.stop;
      return prepared.url;
    });
    shared = { ready, users: 0, stop: () => stop() };
    holder[key] = shared;
  }
  shared.users++;
  project.provide('esUrl', await shared.ready);
  return async () => {
    const current = holder[key]!;
    if (--current.users > 0) return;
    delete holder[key];
    await current.stop();
  };
}
