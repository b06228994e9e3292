// Keeps every bundle pure ASCII, which halves the memory its source takes in a running process.
// V8 keeps a script's source for as long as its functions live. Node decodes a SEA asset
// (TextDecoder) and an ES module's file into a two-byte string as soon as one character is not
// ASCII, so the agent's 1.9 MB script took 3.9 MiB and dist/kiln-agent-main.js 10 MiB (heap
// snapshots of `kiln-agent baseline capture`; RssAnon 47.1-47.6 → 42.4-42.5 MiB for the ESM
// bundle). esbuild's default `charset: 'ascii'` escapes strings, template literals and
// identifiers, but leaves regular-expression literals as written (systeminformation's /[^°]/).
// This plugin escapes what is left in the sources as \uXXXX before esbuild parses them, which
// means the same thing in a regular expression, a string or an identifier, and keeps source maps
// right (the shift is within the few lines touched).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const nonAscii = /[^\x00-\x7f]/;

/** `text` with each non-ASCII UTF-16 unit written as \uXXXX, except one a backslash escapes. */
export function escapeNonAscii(text) {
  return text.replace(/(\\*)([^\x00-\x7f])/g, (all, slashes, c) =>
    slashes.length % 2 === 1 ? all : `${slashes}\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The esbuild plugin: sources (.js, .cjs, .mjs, .ts) with a non-ASCII character are escaped. */
export function asciiSources() {
  return {
    name: 'kiln-ascii-sources',
    setup(build) {
      // Every source is read here, once (esbuild does not read it again).
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => ({
        contents: escapeNonAscii(await readFile(args.path, 'utf8')),
        loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js',
      }));
    },
  };
}

/** Throws when a built script still holds a non-ASCII character, naming it and where. */
export function assertAscii(files) {
  for (const file of files.filter((f) => /\.[cm]?js$/.test(f))) {
    const text = readFileSync(file, 'utf8');
    const at = text.search(nonAscii);
    if (at >= 0) {
      throw new Error(
        `${file}: a non-ASCII character at offset ${at} (${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}); scripts/esbuild-ascii.mjs should have escaped it`,
      );
    }
  }
}
