// Benchmark of the labels core (issue 4). k-means on N × 384 features, K = 100, 20 Lloyd iterations,
// against scikit-learn's KMeans from the same initial centroids on the same data, run in the same
// invocation (time ratio, inertia difference); each side runs `rounds` times and its best round counts,
// as in bench:sample (this machine's noise moves single runs by ±10 %); ORT's Gemm ceiling measured
// alongside; LOST ms per image on a 14 × 14 × 384 key grid.
// Usage: npm run bench:labels [-- --sizes 10000,100000 --images 300 --rounds 5]
// Needs scikit-learn in the trainer's venv (not a project dependency): .venv/bin/pip install scikit-learn
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nearestCentroids } from '../../src/core/labels/distance-step.ts';
import { kmeans } from '../../src/core/labels/kmeans.ts';
import { scoringThreads } from '../../src/core/labels/scoring-pool.ts';
import { lost } from '../../src/core/labels/lost.ts';
import { gatherRows, l2NormalizeRows, matrix } from '../../src/core/labels/matrix.ts';
import { sampleWithoutReplacement, seededRng } from '../../src/core/labels/rng.ts';
import { plantedClusters } from '../../tests/support/planted-clusters.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, images: { type: 'string', default: '300' }, rounds: { type: 'string', default: '5' } } });
const ROUNDS = Math.max(1, Number(values.rounds));
const [D, K, ITERATIONS] = [384, 100, 20];
const DATA = mkdtempSync(join(tmpdir(), 'bench-labels-'));
const PYTHON = new URL('../../.venv/bin/python', import.meta.url).pathname;

function sklearn(xPath: string, initPath: string, n: number): { seconds: number; rounds: number[]; inertia: number; iterations: number } {
  const run = spawnSync(PYTHON, [new URL('sklearn-kmeans.py', import.meta.url).pathname, xPath, initPath, ...[n, K, D, ITERATIONS, ROUNDS].map(String)], { encoding: 'utf8' });
  if (run.status !== 0) {
    const missing = run.stderr.includes("No module named 'sklearn'") ? ' (install it: .venv/bin/pip install scikit-learn)' : '';
    throw new Error(`scikit-learn baseline failed${missing}: ${run.stderr}`);
  }
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
}

async function benchKMeans(n: number): Promise<void> {
  const x = l2NormalizeRows(plantedClusters(n, D, K, 3.0, 11).x);
  const init = gatherRows(x, sampleWithoutReplacement(seededRng(7), n, K));
  const [xPath, initPath] = [join(DATA, `x-${n}.f32`), join(DATA, `init-${n}.f32`)];
  writeFileSync(xPath, x.data);
  writeFileSync(initPath, init.data);
  const baseline = sklearn(xPath, initPath, n);

  // Warm: session creation, the scoring pool's workers (enough rows for several chunks) and the JIT,
  // timed apart; scikit-learn's side warms the same way (10 iterations on the first 8,192 rows).
  const warmStart = performance.now();
  await kmeans(gatherRows(x, Int32Array.from({ length: Math.min(n, 8192) }, (_, i) => i)), { k: K, init, iterations: 10 });
  const warmSeconds = (performance.now() - warmStart) / 1000;
  const rounds: number[] = [];
  let ours: Awaited<ReturnType<typeof kmeans>> | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    ours = await kmeans(x, { k: K, init, iterations: ITERATIONS, maxPointsPerCentroid: Infinity, miniBatchAbove: Infinity });
    rounds.push((performance.now() - started) / 1000);
  }
  if (!ours) throw new Error('no k-means round ran');
  const seconds = Math.min(...rounds);
  const roundList = (times: number[]) => times.map((time) => time.toFixed(3)).join(', ');

  // The ceiling: the distance step alone, as many passes as the run made (updates + 1).
  const passes = ours.iterations + 1;
  const gemmStart = performance.now();
  for (let pass = 0; pass < passes; pass++) await nearestCentroids(x, ours.centroids);
  const gemmSeconds = (performance.now() - gemmStart) / 1000;
  const gflop = (passes * 2 * n * K * D) / 1e9;

  const inertiaDiff = (ours.inertia - baseline.inertia) / baseline.inertia;
  console.log(
    `k-means ${n} × ${D}, K = ${K}: ours ${seconds.toFixed(3)} s (${ours.iterations} updates; rounds ${roundList(rounds)}), ` +
      `scikit-learn ${baseline.seconds.toFixed(3)} s (n_iter ${baseline.iterations}; rounds ${roundList(baseline.rounds)}); ` +
      `ratio ${(baseline.seconds / seconds).toFixed(2)}× (goal ≥ 2); inertia ${ours.inertia.toFixed(3)} vs ${baseline.inertia.toFixed(3)} ` +
      `(${(100 * inertiaDiff).toFixed(4)} %, goal within 0.5 %); distance steps alone ${gemmSeconds.toFixed(3)} s = ` +
      `${(gflop / gemmSeconds).toFixed(0)} GFLOP/s, ${((100 * gemmSeconds) / seconds).toFixed(0)} % of our time; ` +
      `warm-up (sessions, ${scoringThreads()} scoring threads' start) ${warmSeconds.toFixed(3)} s`,
  );
}

async function benchLost(images: number): Promise<void> {
  const [h, w, n] = [14, 14, 196];
  const rng = seededRng(3);
  // Background keys around one direction, a 4×5 object around another: a box is found in each image.
  const keySets = Array.from({ length: 16 }, () => {
    const background = Array.from({ length: D }, () => rng.next() - 0.5);
    const object = background.map((v) => -v + 0.3 * (rng.next() - 0.5));
    const data = new Float32Array(n * D);
    for (let cell = 0; cell < n; cell++) {
      const inObject = Math.floor(cell / w) >= 3 && Math.floor(cell / w) < 7 && cell % w >= 5 && cell % w < 10;
      for (let j = 0; j < D; j++) data[cell * D + j] = (inObject ? object[j]! : background[j]!) + 0.4 * (rng.next() - 0.5);
    }
    return matrix(data, n, D);
  });
  const options = { gridHeight: h, gridWidth: w, imageWidth: 224, imageHeight: 224 };
  for (const keys of keySets) await lost(keys, options); // warm
  const started = performance.now();
  let boxes = 0;
  for (let i = 0; i < images; i++) {
    const { box } = await lost(keySets[i % keySets.length]!, options);
    if (box[0] === 80 && box[1] === 48 && box[2] === 160 && box[3] === 112) boxes++;
  }
  const ms = (performance.now() - started) / images;
  console.log(`LOST 14 × 14 × ${D}: ${ms.toFixed(3)} ms per image (goal < 2 ms) over ${images} images; planted box found in ${boxes}/${images}`);
}

console.log(`node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(1)}`);
for (const n of values.sizes.split(',').map(Number)) await benchKMeans(n);
await benchLost(Number(values.images));
rmSync(DATA, { recursive: true, force: true });
