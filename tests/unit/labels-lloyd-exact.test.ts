// The pruned Lloyd step must be plain Lloyd, only cheaper: same assignments every run, same
// centroids, same number of updates, same re-seeding — checked against a plain Lloyd written out
// here from the float32 distance step (every row, every iteration). The 8-bit screening bound is
// checked against float64 scores.
import { describe, expect, it } from 'vitest';
import { accumulate, emptySums, reseedEmptyClusters, writeMeans } from '../../src/core/labels/centroid-update.ts';
import { nearestCentroids } from '../../src/core/labels/distance-step.ts';
import { quantizeCentroids, quantizeRows, screenBounds, screenRows } from '../../src/core/labels/int8-screen.ts';
import { lloyd, type LloydStats } from '../../src/core/labels/lloyd.ts';
import { gatherRows, l2NormalizeRows, matrix, type Matrix } from '../../src/core/labels/matrix.ts';
import { sampleWithoutReplacement, seededRng } from '../../src/core/labels/rng.ts';
import { plantedClusters } from '../support/planted-clusters.ts';

/** Textbook Lloyd: assign every row by the float32 distance step, mean update from scratch. */
async function plainLloyd(x: Matrix, init: Matrix, maxIterations: number) {
  const centroids: Matrix = { data: Float32Array.from(init.data), rows: init.rows, cols: init.cols };
  let nearest = await nearestCentroids(x, centroids);
  let [iterations, reseeded] = [0, 0];
  while (iterations < maxIterations) {
    const sums = emptySums(centroids.rows, centroids.cols);
    accumulate(sums, x, nearest.assignment);
    reseeded += reseedEmptyClusters(sums, x, nearest.assignment, nearest.distance);
    writeMeans(sums, centroids);
    iterations++;
    const previous = nearest.assignment;
    nearest = await nearestCentroids(x, centroids);
    if (previous.every((cluster, i) => cluster === nearest.assignment[i])) break;
  }
  return { centroids, assignment: nearest.assignment, iterations, reseeded };
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

const emptyStats = (): LloydStats => ({ skipped: [], screened: [], refined: [], exact: [] });
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('pruned Lloyd', () => {
  // Overlapping clusters in 64-d (noise twice the centre spread): many rows change cluster over
  // many iterations, so the bounds and the screening both have real work to do.
  const n = 3000;
  const x = l2NormalizeRows(plantedClusters(n, 64, 24, 2.0, 4).x);
  const init = gatherRows(x, sampleWithoutReplacement(seededRng(5), n, 24));

  const modes = [
    { screening: true, refining: true, name: 'screened and refined' },
    { screening: true, refining: false, name: 'screened, not refined (where refine.wat cannot run)' },
    { screening: false, refining: false, name: 'not screened' },
  ];
  for (const { screening, refining, name } of modes) {
    it(`gives plain Lloyd's assignments, centroids and updates (${name})`, async () => {
      const reference = await plainLloyd(x, init, 25);
      const stats = emptyStats();
      const ours = await lloyd(x, init, 25, undefined, { screening, refining, stats });
      expect(reference.iterations).toBeGreaterThan(5); // a run with many moves, not a trivial one
      expect(ours.iterations).toBe(reference.iterations);
      expect(Array.from(ours.assignment)).toEqual(Array.from(reference.assignment));
      expect(maxAbsDifference(ours.centroids.data, reference.centroids.data)).toBeLessThan(1e-6);
      // ... with less work than a float32 pass over every row each iteration.
      expect(sum(stats.exact)).toBeLessThan(0.8 * n * ours.iterations);
      expect(sum(stats.skipped)).toBeGreaterThan(0);
      if (screening) expect(sum(stats.screened)).toBeGreaterThan(sum(stats.exact));
      else expect(sum(stats.screened)).toBe(0);
      // The refinement settles nearly every row the screen leaves undecided: few near-ties remain.
      if (refining) expect(sum(stats.refined)).toBeGreaterThan(20 * sum(stats.exact));
      else expect(sum(stats.refined)).toBe(0);
    });
  }

  it('reports each row’s squared distance to its final centroid', async () => {
    const ours = await lloyd(x, init, 25);
    const exact = await nearestCentroids(x, ours.centroids);
    expect(Array.from(exact.assignment)).toEqual(Array.from(ours.assignment));
    expect(maxAbsDifference(ours.distance, exact.distance)).toBeLessThan(1e-5);
    expect(ours.inertia).toBeCloseTo(exact.distance.reduce((a, b) => a + b, 0), 2);
  });

  it('re-seeds empty clusters as plain Lloyd does', async () => {
    // Centroids 3 and 4 start on the same row as centroid 0: ties go to the lowest index, so both
    // start empty and take the rows farthest from their centroids.
    const rows = Int32Array.from([0, 1, 2, 0, 0, 3, 4, 5]);
    const start = gatherRows(x, rows);
    const reference = await plainLloyd(x, start, 25);
    const ours = await lloyd(x, start, 25);
    expect(reference.reseeded).toBe(2);
    expect(ours.reseeded).toBe(reference.reseeded);
    expect(ours.iterations).toBe(reference.iterations);
    expect(Array.from(ours.assignment)).toEqual(Array.from(reference.assignment));
    expect(maxAbsDifference(ours.centroids.data, reference.centroids.data)).toBeLessThan(1e-6);
  });

  it('also works on rows of very different lengths (not normalized)', async () => {
    const raw = plantedClusters(1500, 32, 10, 1.5, 9).x;
    for (let r = 0; r < raw.rows; r++) for (let j = 0; j < raw.cols; j++) raw.data[r * raw.cols + j]! *= 1 + (r % 7) * 3;
    const start = gatherRows(raw, sampleWithoutReplacement(seededRng(2), raw.rows, 10));
    const reference = await plainLloyd(raw, start, 30);
    const ours = await lloyd(raw, start, 30);
    expect(ours.iterations).toBe(reference.iterations);
    expect(Array.from(ours.assignment)).toEqual(Array.from(reference.assignment));
  });
});

describe('int8 screening', () => {
  it('keeps every lowest and runner-up score within its proven bound of the float64 truth', async () => {
    const rng = seededRng(12);
    const [n, d, k] = [400, 48, 16];
    // Rows of mixed scales and a few large outliers, so the row and centroid errors differ widely.
    const x = matrix(Float32Array.from({ length: n * d }, (_, i) => (rng.next() - 0.5) * (1 + (Math.floor(i / d) % 5)) * (i % 97 === 0 ? 8 : 1)), n, d);
    const c = matrix(Float32Array.from({ length: k * d }, () => rng.next() - 0.5), k, d);
    const rows = await quantizeRows(x);
    const quantized = quantizeCentroids(c);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const screened = await screenRows(rows, quantized, all);
    const bounds = new Float64Array(n);
    screenBounds(rows, quantized, all, bounds);
    let decided = 0;
    for (let i = 0; i < n; i++) {
      const scores = Array.from({ length: k }, (_, j) => {
        let dot = 0;
        let normSq = 0;
        for (let t = 0; t < d; t++) {
          dot += (x.data[i * d + t] as number) * (c.data[j * d + t] as number);
          normSq += (c.data[j * d + t] as number) ** 2;
        }
        return normSq - 2 * dot;
      });
      const sorted = [...scores].sort((a, b) => a - b);
      const bound = bounds[i] as number;
      expect(Math.abs((screened.first[i] as number) - (sorted[0] as number))).toBeLessThanOrEqual(bound);
      expect(Math.abs((screened.second[i] as number) - (sorted[1] as number))).toBeLessThanOrEqual(bound);
      if ((screened.second[i] as number) - (screened.first[i] as number) > 2 * bound) {
        decided++;
        expect(screened.nearest[i]).toBe(scores.indexOf(sorted[0] as number));
      }
    }
    // One step for all rows, stretched by the outliers: still tight enough to settle many rows.
    expect(decided).toBeGreaterThan(n / 8);
  });

  it('requantizes only the centroids that moved, giving what quantizing them all gives', () => {
    const rng = seededRng(13);
    const [k, d] = [12, 40];
    const before = matrix(Float32Array.from({ length: k * d }, () => rng.next() - 0.5), k, d);
    const after = matrix(Float32Array.from(before.data), k, d);
    // Centroids 3 and 7 move; 7 grows, so the largest norm is its own afterwards.
    for (const [j, factor] of [[3, 0.5], [7, 4]] as const) for (let t = 0; t < d; t++) after.data[j * d + t] = factor * (after.data[j * d + t]! + rng.next() - 0.5);
    const drift = Float64Array.from({ length: k }, (_, j) => (j === 3 || j === 7 ? 1 : 0));
    const reused = quantizeCentroids(after, { quantized: quantizeCentroids(before), drift });
    const fresh = quantizeCentroids(after);
    expect(reused).toEqual(fresh);
    expect(reused.maxNorm).toBe(fresh.norms[7]);
    // What a zero drift keeps is the earlier codes, not a recount: a wrong drift shows.
    const stale = quantizeCentroids(after, { quantized: quantizeCentroids(before), drift: new Float64Array(k) });
    expect(stale.codesT).not.toEqual(fresh.codesT);
  });
});
