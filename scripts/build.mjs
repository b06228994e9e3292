// Bundles the two entry points with esbuild into single files that run with no node_modules.
import { chmodSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { buildSea } from './build-sea.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const started = Date.now();
const define = { __KILN_VERSION__: JSON.stringify(pkg.version) };
const minify = process.env.KILN_BUILD_MINIFY !== '0';
for (const [entry, out] of [
  ['bin/kiln.ts', 'dist/kiln.js'],
  ['bin/kiln-agent.ts', 'dist/kiln-agent.js'],
]) {
  const result = await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    define,
    // Some dependencies are CommonJS and call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __kilnCreateRequire } from 'node:module'; const require = __kilnCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  chmodSync(out, 0o755);
  const bytes = Object.values(result.metafile.outputs)[0].bytes;
  console.log(`built ${out} (${(bytes / 1024).toFixed(0)} KiB)`);
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
console.log(`build took ${Date.now() - started} ms`);
