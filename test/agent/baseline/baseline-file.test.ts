/**
 * The baseline file: `kiln-baseline/2` lines with a digest trailer, plain or gzip; refused when
 * edited; format-1 baselines (kiln 0.1.0, in images already baked) converted on read and checked;
 * an unknown format refused naming the formats and the kiln version that reads them.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baselineEntries, openBaseline } from '../../../agent/baseline/baseline-file.ts';
import { checkBaseline } from '../../../agent/baseline/capture.ts';
import { digestOf } from '../../../agent/baseline/digest.ts';
import { kilnVersion } from '../../../lib/version.ts';
import { captureTree, makeSystemTree, treeRoots } from './fixture.ts';

describe('baseline file', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeSystemTree();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is a header line, one line per entry in walk order, and a trailer with the digest', async () => {
    const captured = await captureTree(root, treeRoots, { nowMs: Date.UTC(2026, 0, 2) });
    const lines = (await readFile(captured.info.file, 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: 'kiln-baseline/2',
      roots: ['/etc', '/opt', '/usr/bin'],
    });
    expect(lines[1]).toMatch(/^\/etc\td\t0755\t0\t0\t-\t\d+\t-$/);
    expect(lines.at(-1)).toBe(
      `#end ${JSON.stringify({ entries: 22, digest: captured.digest, capturedAt: '2026-01-02T00:00:00.000Z' })}`,
    );
    expect(lines.length).toBe(22 + 2);
  });

  it('writes gzip for a .gz name and reads it back with the same digest', async () => {
    const plain = await captureTree(root, treeRoots);
    const gz = await captureTree(root, treeRoots, { out: path.join(root, 'baseline.gz') });
    const bytes = await readFile(path.join(root, 'baseline.gz'));
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(bytes).toString('utf8').split('\n')[0]).toContain('"format":"kiln-baseline/2"');
    expect(gz.digest).toBe(plain.digest);
    expect(gz.files).toEqual(plain.files);
  });

  it('hashes on the main thread with jobs 0, to the same baseline as with a worker', async () => {
    const threaded = await captureTree(root, treeRoots, { jobs: 1 });
    const inline = await captureTree(root, treeRoots, { jobs: 0, out: path.join(root, 'inline-baseline') });
    expect(inline.digest).toBe(threaded.digest);
    expect(Object.values(inline.files).filter((e) => e.sha256).length).toBeGreaterThan(0);
  });

  it('refuses a baseline edited after capture, and says how to get one when missing', async () => {
    const captured = await captureTree(root, treeRoots);
    const text = await readFile(captured.info.file, 'utf8');
    await writeFile(captured.info.file, text.replace(/^\/usr\/bin\/tool\t.*\n/m, ''));
    await expect(openBaseline(captured.info.file)).rejects.toMatchObject({ code: 'KILN_ERR_BASELINE' });
    await expect(openBaseline(captured.info.file)).rejects.toThrow(
      new RegExp(
        `^the baseline .* does not match its digest \\(recorded ${captured.digest}, computed sha256:[0-9a-f]{64}\\): it was changed after capture; rebake the image$`,
      ),
    );
    await expect(openBaseline(path.join(root, 'missing'))).rejects.toThrow(
      `cannot read the baseline ${path.join(root, 'missing')} (ENOENT); capture one with: kiln-agent baseline capture --out ${path.join(root, 'missing')}`,
    );
  });

  it('verifies while reading: a check of an edited baseline fails at the end of its one pass', async () => {
    const captured = await captureTree(root, treeRoots);
    const lazy = await openBaseline(captured.info.file, { verify: 'while-reading' });
    expect(lazy).toMatchObject({ digest: captured.digest, entries: 22 });
    expect((await checkBaseline(lazy, { root })).differences).toEqual([]);

    const text = await readFile(captured.info.file, 'utf8');
    const edited = text.replace(/^(\/usr\/bin\/tool\tf\t)\d{4}/m, '$10777');
    expect(edited).not.toBe(text);
    await writeFile(captured.info.file, edited);
    const opened = await openBaseline(captured.info.file, { verify: 'while-reading' });
    await expect(checkBaseline(opened, { root })).rejects.toThrow(
      new RegExp(
        `^the baseline .* does not match its digest \\(recorded ${captured.digest}, computed sha256:`,
      ),
    );
    // A line removed: the count and the digest differ.
    await writeFile(captured.info.file, text.replace(/^\/usr\/bin\/tool\t.*\n/m, ''));
    const shorter = await openBaseline(captured.info.file, { verify: 'while-reading' });
    await expect(checkBaseline(shorter, { root })).rejects.toThrow(/does not match its digest/);
    // Cut short: no trailer at the end.
    await writeFile(captured.info.file, text.slice(0, text.indexOf('#end ')));
    await expect(openBaseline(captured.info.file, { verify: 'while-reading' })).rejects.toThrow(/no trailer/);
  });

  it('names the file and the line of an entry it cannot read, even when the digest matches', async () => {
    const captured = await captureTree(root, treeRoots);
    const lines = (await readFile(captured.info.file, 'utf8')).trimEnd().split('\n');
    // Line 3 damaged, and the trailer's digest made to match (as a careless tool would).
    lines[2] = 'not\tan entry';
    const body = lines.slice(0, -1);
    const digest = `sha256:${createHash('sha256')
      .update(`${body.join('\n')}\n`)
      .digest('hex')}`;
    const trailer = JSON.parse(lines.at(-1)!.slice('#end '.length)) as Record<string, unknown>;
    await writeFile(
      captured.info.file,
      `${body.join('\n')}\n#end ${JSON.stringify({ ...trailer, digest })}\n`,
    );
    const opened = await openBaseline(captured.info.file);
    const expected = `${captured.info.file}: line 3: not an entry line: "not\\tan entry"`;
    await expect(checkBaseline(opened, { root })).rejects.toThrow(expected);
    await expect(
      (async () => {
        for await (const _ of baselineEntries(opened)) {
        }
      })(),
    ).rejects.toThrow(expected);
  });

  it('reads a format-1 baseline (kiln 0.1.0) and checks a system against it', async () => {
    const v2 = await captureTree(root, treeRoots);
    const files = Object.fromEntries(Object.values(v2.files).map(({ path: p, ino: _ino, ...e }) => [p, e]));
    const { format: _f, modules: _m, ...sections } = v2.header;
    const body = { format: 'kiln-baseline/1', ...sections, files };
    const legacy = { ...body, capturedAt: '2025-11-01T00:00:00.000Z', digest: digestOf(body) };
    const file = path.join(root, 'old-baseline.json');
    await writeFile(file, JSON.stringify(legacy, null, 1));

    const info = await openBaseline(file);
    expect(info).toMatchObject({
      legacy: true,
      digest: legacy.digest,
      entries: 22,
      capturedAt: '2025-11-01T00:00:00.000Z',
    });
    const paths: string[] = [];
    for await (const e of baselineEntries(info)) paths.push(e.path);
    expect(paths).toEqual(Object.keys(v2.files));
    expect((await checkBaseline(info, { root })).differences).toEqual([]);
    await writeFile(path.join(root, 'usr/bin/tool'), '#!/bin/sh\necho changed\n');
    expect((await checkBaseline(info, { root })).differences.map((d) => `${d.path} ${d.attribute}`)).toEqual([
      '/usr/bin/tool size',
      '/usr/bin/tool sha256',
    ]);

    await writeFile(file, JSON.stringify({ ...legacy, files: {} }));
    await expect(openBaseline(file)).rejects.toThrow(/does not match its digest/);
  });

  it('refuses a format it does not know, naming the formats it reads and their kiln version', async () => {
    const file = path.join(root, 'future');
    await writeFile(file, `${JSON.stringify({ format: 'kiln-baseline/3' })}\n`);
    await expect(openBaseline(file)).rejects.toThrow(
      `${file}: a baseline of format "kiln-baseline/3", which kiln ${kilnVersion} does not read (it reads kiln-baseline/2 and kiln-baseline/1, the format of kiln 0.1.0); check it with the kiln version that captured it, or rebake the image with this one`,
    );
    await writeFile(file, 'not a baseline\n');
    await expect(openBaseline(file)).rejects.toThrow(
      `${file}: not a kiln baseline (neither kiln-baseline/2 nor the JSON of kiln-baseline/1); capture it again with: kiln-agent baseline capture --out ${file}`,
    );
  });
});
