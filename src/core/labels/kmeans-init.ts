// Initial centroids: random distinct points, or greedy k-means++ as scikit-learn does it (2 + ln k
// candidates per new centroid drawn ∝ D², keeping the one that lowers the potential most).
// The candidates' distances to all points come from the ONNX distance step, one call per centroid.
import { squaredDistances } from './distance-step.ts';
import { gatherRows, type Matrix } from './matrix.ts';
import { sampleWithoutReplacement, type Rng } from './rng.ts';

export type InitMethod = 'k-means++' | 'random';

export function randomInit(x: Matrix, k: number, rng: Rng): Matrix {
  return gatherRows(x, sampleWithoutReplacement(rng, x.rows, k));
}

/** First index whose cumulative sum exceeds `value` (numpy searchsorted, side left, then clipped). */
function searchCumulative(cumulative: Float64Array, value: number): number {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, cumulative.length - 1);
}

export async function kmeansPlusPlusInit(x: Matrix, k: number, rng: Rng): Promise<Matrix> {
  const n = x.rows;
  const trials = 2 + Math.floor(Math.log(k));
  const chosen = [rng.int(n)];
  let closest = await squaredDistances(x, gatherRows(x, chosen));
  const cumulative = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) cumulative[i] = total += closest[i] as number;
    const candidates = Array.from({ length: trials }, () => searchCumulative(cumulative, rng.next() * total));
    const toCandidates = await squaredDistances(x, gatherRows(x, candidates)); // n × trials
    let best = 0;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      let potential = 0;
      for (let i = 0; i < n; i++) potential += Math.min(closest[i] as number, toCandidates[i * trials + t] as number);
      if (potential < bestPotential) [best, bestPotential] = [t, potential];
    }
    const next = new Float32Array(n);
    for (let i = 0; i < n; i++) next[i] = Math.min(closest[i] as number, toCandidates[i * trials + best] as number);
    closest = next;
    chosen.push(candidates[best] as number);
  }
  return gatherRows(x, chosen);
}

export function initialCentroids(x: Matrix, k: number, method: InitMethod, rng: Rng): Promise<Matrix> {
  return method === 'random' ? Promise.resolve(randomInit(x, k, rng)) : kmeansPlusPlusInit(x, k, rng);
}
