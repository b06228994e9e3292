/** The agent's wire compression, read as the collector reads it. */
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressBatch } from '../../../agent/shipper/compression.ts';
import { declaredSize } from '../../../collector/ingest/receive.ts';

const batch = `${'{"@timestamp":"2026-12-04T05:00:00.000Z","message":"GET /é 200"}\n'.repeat(3000)}`;
const bytes = Buffer.byteLength(batch);

describe('compressBatch', () => {
  it('writes the batch size into the zstd frame header, so the collector inflates into one buffer', async () => {
    const body = await compressBatch(batch, 'zstd');
    expect(zstdDecompressSync(body).toString()).toBe(batch);
    expect(declaredSize(body, 'zstd')).toBe(bytes);
  });

  it('writes gzip whose trailer holds the batch size', async () => {
    const body = await compressBatch(batch, 'gzip');
    expect(gunzipSync(body).toString()).toBe(batch);
    expect(declaredSize(body, 'gzip')).toBe(bytes);
  });
});
