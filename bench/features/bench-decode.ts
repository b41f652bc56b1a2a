// Benchmark of the features job's preprocessing (issue 3): decode + resize to 224×224 + normalize per image,
// the exact reference pipeline (full decode, Pillow-exact bilinear) against the opt-in fast decode (JPEG
// shrink-on-load + libvips linear resize), interleaved in one process on one libvips thread, on camera-sized
// photo-like JPEGs (4000×3000) and on 640×480 JPEGs made like the ingest benchmark's (noise: high entropy).
// Usage: npm run bench:decode [-- --photos 12 --rounds 3]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { normalizationTable, preprocessInto } from '../../src/core/features/preprocess.ts';
import type { DecodeMode } from '../../src/shared/models.ts';
import { DEFAULT_PREPROCESSING } from '../../src/core/models/sidecar.ts';
import { photo } from '../../tests/support/photo.ts';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '12' }, rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
sharp.concurrency(1); // one core each way: the job's other core belongs to ONNX Runtime

const pre = DEFAULT_PREPROCESSING;
const table = normalizationTable(pre);
const out = new Float32Array(3 * pre.width * pre.height);

async function msPerImage(files: Buffer[], decode: DecodeMode): Promise<number> {
  const started = performance.now();
  for (const bytes of files) await preprocessInto(bytes, pre, table, 1e9, out, 0, decode);
  return (performance.now() - started) / files.length;
}

/** 640×480 JPEGs as bench:ingest makes them: a gradient per image over shared Gaussian noise, quality 85. */
async function noisyJpegs(count: number): Promise<Buffer[]> {
  const noise = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .raw()
    .toBuffer();
  const raw = { raw: { width: 640, height: 480, channels: 3 as const } };
  return Promise.all(Array.from({ length: count }, (_, i) => sharp(noise, raw).linear([1, 0.8, 0.6], [i % 97, (i * 7) % 89, (i * 13) % 83]).jpeg({ quality: 85 }).toBuffer()));
}

const sets: [string, Buffer[]][] = [
  ['4000×3000 photo-like JPEG', await Promise.all(Array.from({ length: Number(values.photos) }, (_, i) => photo(4000, 3000 - i)))],
  ['640×480 noisy JPEG (as bench:ingest)', await noisyJpegs(100)],
];
const load = loadavg()[0] as number;
console.log(`| date | machine | images | exact ms/img (rounds) | fast ms/img (rounds) | exact / fast |`);
console.log(`|---|---|---|---|---|---|`);
for (const [name, files] of sets) {
  const exact: number[] = [];
  const fast: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    exact.push(await msPerImage(files, 'exact'));
    fast.push(await msPerImage(files, 'fast'));
  }
  const best = (times: number[]) => Math.min(...times);
  const list = (times: number[]) => times.map((t) => t.toFixed(1)).join(', ');
  console.log(`| ${new Date().toISOString().slice(0, 10)} | 2 cores, load ${load.toFixed(1)} | ${name}, ${files.length} | ${best(exact).toFixed(1)} (${list(exact)}) | ${best(fast).toFixed(1)} (${list(fast)}) | **${(best(exact) / best(fast)).toFixed(1)}×** |`);
}
