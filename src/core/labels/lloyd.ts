// Lloyd's k-means iterations (scikit-learn's algorithm="lloyd"): assign every point to its nearest
// centroid, move each centroid to its points' mean, stop early once no assignment changes. The
// reported assignment and inertia are those of the final centroids.
import { accumulate, emptySums, reseedEmptyClusters, writeMeans } from './centroid-update.ts';
import { nearestCentroids, type NearestCentroids } from './distance-step.ts';
import type { Matrix } from './matrix.ts';

export interface LloydResult extends NearestCentroids {
  centroids: Matrix;
  inertia: number;
  /** centroid updates done (fewer than asked when it converged) */
  iterations: number;
  /** empty clusters re-seeded, summed over the iterations */
  reseeded: number;
}

export function sumOf(values: Float32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function sameAssignment(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function lloyd(
  x: Matrix,
  init: Matrix,
  maxIterations: number,
  onIteration?: (iteration: number) => void,
): Promise<LloydResult> {
  const centroids: Matrix = { data: Float32Array.from(init.data), rows: init.rows, cols: init.cols };
  let nearest = await nearestCentroids(x, centroids);
  let iterations = 0;
  let reseeded = 0;
  while (iterations < maxIterations) {
    const sums = emptySums(centroids.rows, centroids.cols);
    accumulate(sums, x, nearest.assignment);
    reseeded += reseedEmptyClusters(sums, x, nearest.assignment, nearest.distance);
    writeMeans(sums, centroids);
    iterations++;
    onIteration?.(iterations);
    const previous = nearest.assignment;
    nearest = await nearestCentroids(x, centroids);
    // Same assignment again means the next update would give the same centroids: converged.
    if (sameAssignment(previous, nearest.assignment)) break;
  }
  return { centroids, ...nearest, inertia: sumOf(nearest.distance), iterations, reseeded };
}
