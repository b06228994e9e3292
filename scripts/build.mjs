// Bundles the two entry points with esbuild into single files that run with no node_modules.
import { chmodSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const started = Date.now();
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
    minify: process.env.KILN_BUILD_MINIFY !== '0',
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    define: { __KILN_VERSION__: JSON.stringify(pkg.version) },
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
console.log(`build took ${Date.now() - started} ms`);
