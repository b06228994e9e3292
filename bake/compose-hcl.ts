/**
 * HCL2 templates (`.pkr.hcl`, beta in Packer 1.6.6): kiln's provisioners are written as HCL
 * blocks and inserted at the end of the template's single `build {}` block. A second `build`
 * block would not do: Packer runs every build block as its own build, in parallel, so kiln's
 * steps would not follow the user's. https://developer.hashicorp.com/packer/docs/templates/hcl_templates/blocks/build
 */
import { KilnError } from '../lib/errors.ts';
import type { Provisioner } from './compose.ts';

/** An HCL expression for a JSON-like value; template sequences are escaped so text stays literal. */
export function hclValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).replaceAll('${', '$${').replaceAll('%{', '%%{');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(hclValue).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} = ${hclValue(v)}`);
    return `{ ${entries.join(', ')} }`;
  }
  return 'null';
}

/** kiln's provisioners as HCL `provisioner "type" { … }` blocks. */
export function renderHclProvisioners(provisioners: readonly Provisioner[]): string {
  return provisioners
    .map(({ type, ...attributes }) => {
      const body = Object.entries(attributes).map(([k, v]) => `    ${k} = ${hclValue(v)}`);
      return [`  provisioner ${JSON.stringify(type)} {`, ...body, '  }'].join('\n');
    })
    .join('\n\n');
}

/** Inserts `snippet` before the closing brace of the template's one top-level `build` block. */
export function insertIntoBuildBlock(hcl: string, snippet: string, source = 'template'): string {
  const blocks = topLevelBuildBlocks(hcl);
  if (blocks.length !== 1) {
    throw new KilnError(
      'KILN_ERR_BAKE',
      `${source}: kiln needs exactly one top-level build {} block in an HCL2 template, found ${blocks.length}; merge them, or use a JSON template`,
    );
  }
  const close = blocks[0]!.close;
  return `${hcl.slice(0, close)}\n  # added by kiln bake\n${snippet}\n${hcl.slice(close)}`;
}

/** Offsets of each top-level `build {` block's closing brace, skipping strings, comments and heredocs. */
export function topLevelBuildBlocks(hcl: string): Array<{ open: number; close: number }> {
  const blocks: Array<{ open: number; close: number }> = [];
  let depth = 0;
  let buildOpen = -1;
  let i = 0;
  while (i < hcl.length) {
    const c = hcl[i]!;
    if (c === '#' || (c === '/' && hcl[i + 1] === '/')) {
      i = lineEnd(hcl, i);
    } else if (c === '/' && hcl[i + 1] === '*') {
      const end = hcl.indexOf('*/', i + 2);
      i = end < 0 ? hcl.length : end + 2;
    } else if (c === '"') {
      i = stringEnd(hcl, i + 1);
    } else if (c === '<' && hcl[i + 1] === '<') {
      i = heredocEnd(hcl, i);
    } else if (c === '{') {
      if (depth === 0 && /(^|\n)\s*build\s*$/.test(hcl.slice(Math.max(0, i - 64), i))) buildOpen = i;
      depth += 1;
      i += 1;
    } else if (c === '}') {
      depth -= 1;
      if (depth === 0 && buildOpen >= 0) {
        blocks.push({ open: buildOpen, close: i });
        buildOpen = -1;
      }
      i += 1;
    } else {
      i += 1;
    }
  }
  return blocks;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** The index after a string's closing quote; `${ … }` interpolations may hold quotes and braces. */
function stringEnd(text: string, from: number): number {
  let i = from;
  let interpolation = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') i += 2;
    else if (c === '$' && text[i + 1] === '{') {
      interpolation += 1;
      i += 2;
    } else if (interpolation > 0 && c === '}') {
      interpolation -= 1;
      i += 1;
    } else if (interpolation > 0 && c === '"') {
      i = stringEnd(text, i + 1);
    } else if (c === '"' && interpolation === 0) return i + 1;
    else i += 1;
  }
  return i;
}

function heredocEnd(text: string, from: number): number {
  const m = /^<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n/.exec(text.slice(from));
  if (!m) return from + 2;
  const marker = m[1]!;
  let i = from + m[0].length;
  while (i < text.length) {
    const end = lineEnd(text, i);
    if (text.slice(i, end).trim() === marker) return end;
    i = end + 1;
  }
  return text.length;
}

/** The source image of an HCL2 template: the first `source_ami`/`source_image`/… string attribute. */
export function sourceImageOfHcl(hcl: string): string | undefined {
  const m = /^\s*(?:source_ami|source_image|source_image_name|source_image_family)\s*=\s*"([^"$]+)"/m.exec(
    hcl,
  );
  return m?.[1];
}
