// Bundles the two commands with esbuild into files that run with no node_modules: a tiny entry
// (dist/kiln.js, dist/kiln-agent.js: Node version check, compile cache, --version) and the bundle
// it imports (dist/kiln-main.js with lazily loaded chunks beside it; dist/kiln-agent-main.js).
// Identifiers are kept and source maps linked, so a stack trace (KILN_DEBUG=1) names real
// functions and files. KILN_BUILD_MINIFY=0 also keeps the whitespace.
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildDriftFeed } from './build-drift-feed.mjs';
import { buildSea } from './build-sea.mjs';
import { entrySource } from './entry-template.mjs';
import { asciiSources, assertAscii } from './esbuild-ascii.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const started = Date.now();
const define = { __KILN_VERSION__: JSON.stringify(pkg.version) };
const minify = process.env.KILN_BUILD_MINIFY !== '0';
// Old chunks of an earlier build would otherwise pile up beside the new ones (a clean checkout
// has no dist/ yet).
mkdirSync('dist', { recursive: true });
for (const name of readdirSync('dist', { withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => e.name)) {
  if (/^(chunk-.*|kiln(-agent)?-main)\.js(\.map)?$/.test(name)) rmSync(join('dist', name));
}
for (const [command, entry, splitting] of [
  ['kiln', 'bin/kiln.ts', true],
  ['kiln-agent', 'bin/kiln-agent.ts', false],
]) {
  const bundle = `${command}-main`;
  const result = await build({
    entryPoints: { [bundle]: entry },
    outdir: 'dist',
    // Chunks beside the bundle, so import.meta.url means dist/ in every file.
    chunkNames: 'chunk-[hash]',
    splitting,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: false,
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    define,
    plugins: [asciiSources()],
    // Some dependencies are CommonJS and call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const out = join('dist', `${command}.js`);
  writeFileSync(out, entrySource(command, `${bundle}.js`, pkg.version));
  chmodSync(out, 0o755);
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
  assertAscii(outputs.map(([file]) => file));
  const main = outputs.find(([file]) => file.endsWith(`${bundle}.js`))[1].bytes;
  const rest = outputs.reduce((n, [, o]) => n + o.bytes, 0) - main;
  console.log(
    `built ${out} → dist/${bundle}.js (${(main / 1024).toFixed(0)} KiB${rest ? `, lazily loaded chunks ${(rest / 1024).toFixed(0)} KiB` : ''})`,
  );
}
// The agent as one executable per architecture (no Node needed on the machine). KILN_BUILD_SEA=0
// skips it (e.g. a quick rebuild of the bundles); KILN_BUILD_SEA_ARCHES=x64 builds one.
if (process.env.KILN_BUILD_SEA !== '0') {
  const arches = (process.env.KILN_BUILD_SEA_ARCHES ?? 'x64,arm64').split(',');
  for (const exe of await buildSea({ define, minify, arches })) {
    console.log(
      `built ${exe.path.slice(exe.path.indexOf('dist/'))} (${(exe.bytes / 1024 / 1024).toFixed(1)} MiB)`,
    );
  }
}
// The drift change feed, in Go (KILN_BUILD_DRIFT_FEED=0 skips it).
if (process.env.KILN_BUILD_DRIFT_FEED !== '0') {
  const feed = buildDriftFeed({ arches: (process.env.KILN_BUILD_SEA_ARCHES ?? 'x64,arm64').split(',') });
  if (feed.skipped) console.log(`skipped dist/kiln-drift-feed-linux-*: ${feed.skipped}`);
  for (const exe of feed.built ?? [])
    console.log(
      `built ${exe.path.slice(exe.path.indexOf('dist/'))} (${(exe.bytes / 1024 / 1024).toFixed(1)} MiB)`,
    );
}
console.log(`build took ${Date.now() - started} ms`);
