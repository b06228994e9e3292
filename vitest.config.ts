import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Three projects. `unit`: the test files that need no Elasticsearch, no built bundle and no
 * other program (`npx vitest run --project unit` takes seconds: no global setup).
 * `integration` and `e2e`: the rest — real Elasticsearch, dist/, moto, sshd, Packer, child
 * processes — with one Elasticsearch and one fresh build (test/global-setup.ts, shared by both).
 * A file's project follows from what it uses, directly or through the test helpers it imports,
 * so nobody keeps a list by hand. Timeouts are generous because the machine has 2 cores.
 */
const root = import.meta.dirname;
const needsSetupMarker =
  /support\/es\.ts|\binject\(|\bdist\b|kiln-agent\.js|['"]kiln\.js|startLocalEs|startMoto|startSshd|node:child_process|run-kiln/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const seen = new Map<string, boolean>();
/** Whether a test file (or a helper it imports from test/) uses Elasticsearch or dist/. */
function needsSetup(file: string): boolean {
  const known = seen.get(file);
  if (known !== undefined) return known;
  seen.set(file, false);
  const text = readFileSync(file, 'utf8');
  let result = needsSetupMarker.test(text);
  for (const match of text.matchAll(/from '(\.[^']+\.ts)'/g)) {
    const imported = resolve(dirname(file), match[1]!);
    if (!result && relative(join(root, 'test'), imported).startsWith('..') === false)
      result = needsSetup(imported);
  }
  seen.set(file, result);
  return result;
}

const all = testFiles(join(root, 'test')).map((f) => relative(root, f));
const e2e = all.filter((f) => f.startsWith('test/e2e/'));
const integration = all.filter((f) => !f.startsWith('test/e2e/') && needsSetup(join(root, f)));
const unit = all.filter((f) => !f.startsWith('test/e2e/') && !integration.includes(f));

const shared = { testTimeout: 120_000, hookTimeout: 180_000, pool: 'forks' as const, maxWorkers: 2 };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { ...shared, name: 'unit', include: unit } },
      {
        test: { ...shared, name: 'integration', include: integration, globalSetup: ['test/global-setup.ts'] },
      },
      { test: { ...shared, name: 'e2e', include: e2e, globalSetup: ['test/global-setup.ts'] } },
    ],
  },
});
