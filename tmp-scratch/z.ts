import { constants, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { accessLine, jsonLine, seededRandom } from '../bench/shipping/generate.ts';
import { benchEncoder, benchIdentity } from '../bench/shipping/kiln-event.ts';

const identity = benchIdentity();
const encoder = benchEncoder(identity);
const random = seededRandom(42);
const batches: Buffer[] = [];
let offset = 0;
for (let b = 0; b < 50; b++) {
  const lines: string[] = [];
  for (let j = 0; j < 2000; j++) {
    const text = j % 2 ? accessLine(random, Date.now()) : jsonLine(random, Date.now());
    lines.push(
      encoder.encode(
        { offset, end: 0, text, truncated: false, invalidUtf8: false, originalBytes: 0, lines: 1 },
        { path: '/var/log/app.log', fingerprint: 'fp' },
        new Date().toISOString(),
      ).json,
    );
    offset += text.length + 1;
  }
  batches.push(Buffer.from(lines.join('\n') + '\n'));
}
const raw = batches.reduce((a, b) => a + b.length, 0);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
for (const [name, c, d] of [
  ['gzip 1', (b: Buffer) => gzipSync(b, { level: 1 }), gunzipSync],
  [
    'zstd 1',
    (b: Buffer) => zstdCompressSync(b, { params: { [constants.ZSTD_c_compressionLevel]: 1 } }),
    zstdDecompressSync,
  ],
  [
    'zstd 3',
    (b: Buffer) => zstdCompressSync(b, { params: { [constants.ZSTD_c_compressionLevel]: 3 } }),
    zstdDecompressSync,
  ],
] as const) {
  let t = cpu();
  const out = batches.map((b) => c(b));
  const ct = cpu() - t;
  t = cpu();
  for (const o of out) d(o);
  const dt = cpu() - t;
  const size = out.reduce((a, b) => a + b.length, 0);
  console.log(
    `${name}: ratio ${(raw / size).toFixed(1)}, compress ${(raw / 1e6 / ct).toFixed(0)} MB/s, decompress ${(raw / 1e6 / dt).toFixed(0)} MB/s; per 600k lines: ${(ct * 6).toFixed(2)} s + ${(dt * 6).toFixed(2)} s`,
  );
}
