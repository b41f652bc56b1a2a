import { describe, expect, it } from 'vitest';
import { clusterImages, oneHot } from '../../src/core/labels/image-clusters.ts';
import { kmeans } from '../../src/core/labels/kmeans.ts';
import { matrix, type Matrix } from '../../src/core/labels/matrix.ts';
import { plantedClusters } from '../support/planted-clusters.ts';

/** True when both labelings split the points the same way (equal up to renaming the clusters). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const forward = new Map<number, number>();
  const backward = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as number, b[i] as number];
    if ((forward.get(x) ?? y) !== y || (backward.get(y) ?? x) !== x) return false;
    forward.set(x, y);
    backward.set(y, x);
  }
  return true;
}

/** Σ‖x − c(x)‖² in float64, straight from the definition. */
function inertiaOf(x: Matrix, centroids: Matrix, assignment: Int32Array): number {
  let total = 0;
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < x.cols; j++) {
      total += ((x.data[i * x.cols + j] as number) - (centroids.data[(assignment[i] as number) * x.cols + j] as number)) ** 2;
    }
  }
  return total;
}

/** The optimal 2-means inertia by trying every split of the points into two non-empty groups. */
function bruteForceTwoMeans(x: Matrix): number {
  let best = Infinity;
  for (let mask = 1; mask < 2 ** (x.rows - 1); mask++) {
    const groups = Int32Array.from({ length: x.rows }, (_, i) => (mask >> i) & 1);
    const means = new Float32Array(2 * x.cols);
    const counts = [0, 0];
    groups.forEach((g, i) => {
      counts[g]!++;
      for (let j = 0; j < x.cols; j++) means[g * x.cols + j]! += x.data[i * x.cols + j] as number;
    });
    for (let g = 0; g < 2; g++) for (let j = 0; j < x.cols; j++) means[g * x.cols + j]! /= counts[g]!;
    best = Math.min(best, inertiaOf(x, matrix(means, 2, x.cols), groups));
  }
  return best;
}

describe('kmeans', () => {
  it('recovers planted clusters, with consistent distances and inertia', async () => {
    const { x, truth } = plantedClusters(300, 16, 5, 0.15);
    const result = await kmeans(x, { k: 5, seed: 3 });
    expect(samePartition(result.assignment, truth)).toBe(true);
    expect(result.method).toBe('lloyd');
    expect(result.inertia).toBeCloseTo(inertiaOf(x, result.centroids, result.assignment), 2);
    const first = (result.assignment[0] as number) * x.cols;
    const direct = Array.from({ length: x.cols }, (_, j) => ((x.data[j] as number) - (result.centroids.data[first + j] as number)) ** 2);
    expect(result.distance[0]).toBeCloseTo(direct.reduce((a, b) => a + b), 4);
  });

  it('finds the brute-force optimum on a small case', async () => {
    const { x } = plantedClusters(11, 3, 2, 1.2, 7); // overlapping groups: the split is not obvious
    const result = await kmeans(x, { k: 2, restarts: 5, seed: 1 });
    expect(result.inertia).toBeCloseTo(bruteForceTwoMeans(x), 4);
  });

  it('matches scikit-learn from the same initial centroids', async () => {
    // Reference: sklearn 1.9.1 KMeans(4, init=X[[0,1,2,3]], n_init=1, max_iter=30, tol=0,
    // algorithm='lloyd') on X[i, j] = sin(7i + 3j) + cos(0.5·i·(j+1)) in float32, 60 × 5:
    // inertia_ 136.36483764648438, n_iter_ 5 (its 5th pass only finds that no label changes: 4 updates).
    const data = Float32Array.from({ length: 300 }, (_, index) => {
      const [i, j] = [Math.floor(index / 5), index % 5];
      return Math.sin(i * 7 + j * 3) + Math.cos(i * 0.5 * (j + 1));
    });
    const x = matrix(data, 60, 5);
    const result = await kmeans(x, { k: 4, init: matrix(data.slice(0, 20), 4, 5) });
    expect(result.inertia).toBeCloseTo(136.36483764648438, 3);
    expect(result.iterations).toBe(4);
    expect(Array.from(result.assignment.slice(0, 12))).toEqual([1, 1, 2, 3, 3, 2, 0, 0, 0, 1, 3, 2]);
  });

  it('is deterministic for a seed, for both init methods', async () => {
    const { x } = plantedClusters(200, 8, 6, 0.6, 2);
    for (const init of ['k-means++', 'random'] as const) {
      const [a, b] = [await kmeans(x, { k: 6, init, seed: 9 }), await kmeans(x, { k: 6, init, seed: 9 })];
      expect(Array.from(a.centroids.data)).toEqual(Array.from(b.centroids.data));
      expect(Array.from(a.assignment)).toEqual(Array.from(b.assignment));
    }
  });

  it('re-seeds an empty cluster on the farthest point', async () => {
    // Centroid 100 attracts nobody; the point farthest from its centroid (10, at distance 81) takes it
    // and leaves cluster 0, whose mean becomes (0 + 1 + 2) / 3 = 1.
    const x = matrix(Float32Array.from([0, 1, 2, 10]), 4, 1);
    const result = await kmeans(x, { k: 2, init: matrix(Float32Array.from([1, 100]), 2, 1) });
    expect(result.reseeded).toBe(1);
    expect(Array.from(result.centroids.data)).toEqual([1, 10]);
    expect(Array.from(result.assignment)).toEqual([0, 0, 0, 1]);
    expect(result.inertia).toBeCloseTo(2, 6);
  });

  it('trains on a sample and mini-batches when N is large, then assigns every point', async () => {
    const { x, truth } = plantedClusters(2000, 8, 4, 0.1, 5);
    const sampled = await kmeans(x, { k: 4, maxPointsPerCentroid: 50, seed: 2 });
    expect(sampled.trainedOn).toBe(200);
    expect(sampled.assignment.length).toBe(2000);
    expect(samePartition(sampled.assignment, truth)).toBe(true);
    const batched = await kmeans(x, { k: 4, miniBatchAbove: 500, batchSize: 256, seed: 2 });
    expect(batched.method).toBe('mini-batch');
    expect(samePartition(batched.assignment, truth)).toBe(true);
    expect(batched.inertia).toBeLessThan(sampled.inertia * 1.01);
  });

  it('rejects a k larger than the data', async () => {
    await expect(kmeans(matrix(new Float32Array(6), 3, 2), { k: 4 })).rejects.toThrow(RangeError);
  });
});

describe('clusterImages', () => {
  it('clusters by direction (scale-free) and gives one-hot guidance', async () => {
    // Two directions, each at very different lengths: normalized, they form two tight clusters.
    const rows = [[1, 0.1], [50, 4], [0.2, 3], [0.1, 1], [9, 1], [1, 30]];
    const x = matrix(Float32Array.from(rows.flat()), 6, 2);
    const { assignment } = await clusterImages(x, { k: 2, seed: 4 });
    expect(samePartition(assignment, [0, 0, 1, 1, 0, 1])).toBe(true);
    expect(Array.from(oneHot(Int32Array.from([1, 0]), 3))).toEqual([0, 1, 0, 1, 0, 0]);
  });
});
