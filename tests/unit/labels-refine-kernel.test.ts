// The refinement of rows the 8-bit screen leaves undecided (refine.wat, refine-kernel.ts): the k-means
// run stays exact only if its bounds hold — an upper bound on the distance to the refined nearest
// centroid, a lower bound on every other — and the kernel must give what its JavaScript loop gives,
// bit for bit, since either may run.
import { describe, expect, it } from 'vitest';
import { kernelMemoryRef, lendKernelRows } from '../../src/core/labels/kernel-memory.ts';
import { LowestTwoReducer } from '../../src/core/labels/lowest-two-kernel.ts';
import type { LowestTwo } from '../../src/core/labels/lowest-two.ts';
import { ChunkRefiner, emptyRefinedRows, refineKernelAvailable, type RefinedRows, type Refinement } from '../../src/core/labels/refine-kernel.ts';
import { seededRng } from '../../src/core/labels/rng.ts';

interface Case {
  n: number;
  k: number;
  d: number;
  /** how far each screening score may be from the exact one */
  bound: number;
  /** the float32 slack the margins leave for */
  slack: number;
}

/** Rows, centroids, screening scores within ±bound of the exact ones, and exact distances in float64. */
function chunkCase({ n, k, d, bound }: Case, seed: number) {
  const rng = seededRng(seed);
  const x = Float32Array.from({ length: 3 * n * d }, () => rng.next() - 0.5); // the chunk's rows are every third
  const rows = Int32Array.from({ length: n }, (_, i) => 3 * i + 1);
  // Centroids near a few rows, so that rows have close runners-up; two equal centroids make ties.
  const centroids = Float32Array.from({ length: k * d }, (_, t) => (x[(Math.floor(t / d) % n) * 3 * d + (t % d)] as number) + 0.05 * (rng.next() - 0.5));
  if (k > 3) centroids.copyWithin(2 * d, d, 2 * d);
  const exact = new Float64Array(n * k);
  const scores = new Float32Array(n * k);
  const lengthSq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as number;
    for (let t = 0; t < d; t++) lengthSq[i]! += (x[row * d + t] as number) ** 2;
    for (let j = 0; j < k; j++) {
      let sq = 0;
      for (let t = 0; t < d; t++) sq += ((x[row * d + t] as number) - (centroids[j * d + t] as number)) ** 2;
      exact[i * k + j] = sq;
      scores[i * k + j] = sq - lengthSq[i]! + bound * (2 * rng.next() - 1);
    }
  }
  return { x, rows, centroids, exact, scores, lengthSq };
}

function refined(useKernel: boolean, c: Case, seed: number) {
  const data = chunkCase(c, seed);
  const { n, k, d, slack } = c;
  const lent = lendKernelRows(data.x);
  try {
    const reducer = new LowestTwoReducer(useKernel);
    (reducer.scores(n, k).data as Float32Array).set(data.scores);
    const affine = { scales: new Float32Array(n).fill(1), biases: new Float32Array(k) };
    const reduced: LowestTwo = { rows: data.rows, nearest: new Int32Array(n), first: new Float32Array(n), second: new Float32Array(n) };
    reducer.reduce(n, k, affine, reduced, 0);
    // The scores are float32: their bound widens by their own rounding.
    const bound = c.bound + 1e-6;
    const margins = new Float64Array(n).fill(2 * bound + slack);
    const aheads = Float64Array.from(data.lengthSq, (lengthSq) => bound + slack - lengthSq);
    const refinement: Refinement = { x: lent.data, rowsMemory: kernelMemoryRef(lent.data.buffer), d, centroids: data.centroids, margins, aheads, out: emptyRefinedRows(n) };
    new ChunkRefiner(reducer, refinement, affine.biases, useKernel).refine(n, data.rows, affine.scales, reduced, 0);
    return { ...data, bound, reduced, out: refinement.out };
  } finally {
    lent.release();
  }
}

const plain = (out: RefinedRows) => ({ ...out, refined: Array.from(out.refined), nearest: Array.from(out.nearest), own: Array.from(out.own), other: Array.from(out.other), outside: Array.from(out.outside) });

const CASES: Case[] = [
  { n: 300, k: 100, d: 384, bound: 0.02, slack: 2e-4 },
  { n: 200, k: 37, d: 383, bound: 0.05, slack: 2e-4 },
  { n: 200, k: 7, d: 17, bound: 0.01, slack: 1e-5 },
  { n: 100, k: 3, d: 5, bound: 0.2, slack: 1e-5 },
  { n: 60, k: 5, d: 2, bound: 0.05, slack: 1e-5 }, // rows narrower than one vector read
];

describe('refining undecided rows', () => {
  it('runs as WebAssembly on this runtime', () => {
    expect(refineKernelAvailable()).toBe(true);
  });

  for (const c of CASES) {
    const name = `k = ${c.k}, d = ${c.d}`;
    it(`gives the JavaScript loop's results bit for bit (${name})`, () => {
      const kernel = refined(true, c, 7);
      const loop = refined(false, c, 7);
      expect(kernel.out.refined.some((value) => value === 1)).toBe(true);
      expect(kernel.out.refined.some((value) => value === 0)).toBe(true);
      expect(plain(kernel.out)).toEqual(plain(loop.out));
    });

    it(`bounds the nearest centroid's distance from above and every other's from below (${name})`, () => {
      const { out, exact, lengthSq, bound, reduced } = refined(true, c, 11);
      let certain = 0;
      for (let i = 0; i < c.n; i++) {
        if (out.refined[i] === 0) {
          // Left to the screen: its runner-up is more than the margin above its lowest.
          expect((reduced.second[i] as number) - (reduced.first[i] as number)).toBeGreaterThan(2 * bound + c.slack);
          continue;
        }
        const nearest = out.nearest[i] as number;
        const own = out.own[i] as number;
        // What lloyd.ts takes as the lower bound on every other centroid.
        const lower = Math.min(out.other[i] as number, (lengthSq[i] as number) + (out.outside[i] as number) - bound);
        expect(own).toBeGreaterThanOrEqual(exact[i * c.k + nearest] as number);
        for (let j = 0; j < c.k; j++) if (j !== nearest) expect(lower).toBeLessThanOrEqual(exact[i * c.k + j] as number);
        if (lower - own > c.slack) {
          certain++;
          const distances = Array.from(exact.subarray(i * c.k, (i + 1) * c.k));
          expect(nearest).toBe(distances.indexOf(Math.min(...distances)));
        }
      }
      expect(certain).toBeGreaterThan(0);
    });
  }
});
