// Types of esbuild-ascii.mjs for the TypeScript that imports it (test/scripts/esbuild-ascii.test.ts).
import type { Plugin } from 'esbuild';

export function escapeNonAscii(text: string): string;
export function asciiSources(): Plugin;
export function assertAscii(files: string[]): void;
