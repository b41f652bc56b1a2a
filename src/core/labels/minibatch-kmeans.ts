// Mini-batch k-means (Sculley 2010, as scikit-learn's MiniBatchKMeans updates centroids): each step
// assigns one random batch and moves every centroid towards its batch points with a per-centroid
// learning rate 1/(points seen). Used above a few hundred thousand training points, where a full
// Lloyd pass per iteration is the cost to avoid. Clusters that have seen no point by the end of an
// epoch are re-seeded on the batch points farthest from their centroid.
import { accumulate, emptySums, farthestFirst } from './centroid-update.ts';
import { nearestCentroids } from './distance-step.ts';
import { gatherRows, type Matrix } from './matrix.ts';
import { sampleWithoutReplacement, type Rng } from './rng.ts';

export interface MiniBatchOptions {
  batchSize: number;
  /** passes over the training set */
  epochs: number;
  onStep?: (step: number, steps: number) => void;
}

export async function miniBatchKMeans(x: Matrix, init: Matrix, options: MiniBatchOptions, rng: Rng): Promise<{ centroids: Matrix; steps: number; reseeded: number }> {
  const { rows: k, cols: d } = init;
  const centroids: Matrix = { data: Float32Array.from(init.data), rows: k, cols: d };
  const seen = new Float64Array(k);
  const batchSize = Math.min(options.batchSize, x.rows);
  const stepsPerEpoch = Math.ceil(x.rows / batchSize);
  const steps = Math.max(1, Math.round(options.epochs * stepsPerEpoch));
  let reseeded = 0;
  for (let step = 1; step <= steps; step++) {
    const batch = gatherRows(x, sampleWithoutReplacement(rng, x.rows, batchSize));
    const nearest = await nearestCentroids(batch, centroids);
    const sums = emptySums(k, d);
    accumulate(sums, batch, nearest.assignment);
    for (let c = 0; c < k; c++) {
      const count = sums.counts[c] as number;
      if (count === 0) continue;
      const total = (seen[c] as number) + count;
      // new = (old·seen + Σ batch points) / (seen + count): the running mean of all points seen.
      for (let j = 0; j < d; j++) {
        const index = c * d + j;
        centroids.data[index] = ((centroids.data[index] as number) * (seen[c] as number) + (sums.sums[index] as number)) / total;
      }
      seen[c] = total;
    }
    if (step % stepsPerEpoch === 0) {
      const starved: number[] = [];
      seen.forEach((count, c) => count === 0 && starved.push(c));
      farthestFirst(nearest.distance, starved.length).forEach((point, index) => {
        const cluster = starved[index] as number;
        centroids.data.set(batch.data.subarray(point * d, (point + 1) * d), cluster * d);
        seen[cluster] = 1;
      });
      reseeded += starved.length;
    }
    options.onStep?.(step, steps);
  }
  return { centroids, steps, reseeded };
}
