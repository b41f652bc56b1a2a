// The scoring pool spreads chunks of rows over worker threads; what it returns must not depend on
// how many threads scored them, and a worker that fails must cost time, not a wrong answer.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assignedDistances, nearestCentroids, squaredDistances } from '../../src/core/labels/distance-step.ts';
import { quantizeRows } from '../../src/core/labels/int8-screen.ts';
import { lloyd } from '../../src/core/labels/lloyd.ts';
import { gatherRows, l2NormalizeRows, matrix, sharedFloats, type Matrix } from '../../src/core/labels/matrix.ts';
import { sampleWithoutReplacement, seededRng } from '../../src/core/labels/rng.ts';
import { kernelMemoryOf, kernelMemoryRef, lendKernelRows } from '../../src/core/labels/kernel-memory.ts';
import { applyMoves } from '../../src/core/labels/move-log.ts';
import { applyMovesInParallel, parallelTaskCount, setScoringThreads } from '../../src/core/labels/scoring-pool.ts';
import { plantedClusters } from '../support/planted-clusters.ts';

// K = 100 makes chunks of 1,310 rows, so 6,000 rows are five chunks to share.
const [n, d, k] = [6000, 32, 100];
const x = l2NormalizeRows(plantedClusters(n, d, k, 2.0, 9).x);
const init = gatherRows(x, sampleWithoutReplacement(seededRng(3), n, k));

/** The same rows in ordinary (unshared) memory, which the pool never hands to workers. */
function unshared(m: Matrix): Matrix {
  return matrix(Float32Array.from(m.data), m.rows, m.cols);
}

async function onThreads<T>(count: number, run: () => Promise<T>, file?: string): Promise<{ value: T; parallel: number }> {
  setScoringThreads(count, file);
  const before = parallelTaskCount();
  const value = await run();
  return { value, parallel: parallelTaskCount() - before };
}

afterAll(() => setScoringThreads(2));

describe('k-means scoring pool', () => {
  it('gives the same Lloyd run on two threads as on one, bit for bit', async () => {
    const one = await onThreads(1, () => lloyd(x, init, 30));
    const two = await onThreads(2, () => lloyd(x, init, 30));
    expect(one.parallel).toBe(0);
    // At least quantization (two graphs), the first pass and the final distances went to the pool;
    // later passes score fewer rows than two chunks and stay in this thread.
    expect(two.parallel).toBeGreaterThanOrEqual(4);
    expect(two.value.iterations).toBe(one.value.iterations);
    expect(one.value.iterations).toBeGreaterThan(5);
    expect(Array.from(two.value.assignment)).toEqual(Array.from(one.value.assignment));
    expect(Array.from(two.value.centroids.data)).toEqual(Array.from(one.value.centroids.data));
    expect(two.value.inertia).toBe(one.value.inertia);
  });

  it('gives the same row-wise results from shared rows on two threads as from unshared rows', async () => {
    const plain = unshared(x);
    const fresh = matrix(sharedFloats(x.data.length), n, d); // new rows: quantized afresh, not from a cache
    fresh.data.set(x.data);
    const centroids = unshared(init);
    const assignment = (await nearestCentroids(plain, centroids)).assignment;
    const one = await onThreads(2, async () => ({
      nearest: await nearestCentroids(plain, centroids),
      squared: await squaredDistances(plain, centroids),
      assigned: await assignedDistances(plain, centroids, assignment),
      codes: (await quantizeRows(plain)).codes,
    }));
    const two = await onThreads(2, async () => ({
      nearest: await nearestCentroids(fresh, centroids),
      squared: await squaredDistances(fresh, centroids),
      assigned: await assignedDistances(fresh, centroids, assignment),
      codes: (await quantizeRows(fresh)).codes,
    }));
    expect(one.parallel).toBe(0);
    expect(two.parallel).toBe(5); // nearest, squared, assigned, and quantization's two graphs
    expect(Array.from(two.value.nearest.assignment)).toEqual(Array.from(one.value.nearest.assignment));
    expect(Array.from(two.value.nearest.distance)).toEqual(Array.from(one.value.nearest.distance));
    expect(Array.from(two.value.squared)).toEqual(Array.from(one.value.squared));
    expect(Array.from(two.value.assigned)).toEqual(Array.from(one.value.assigned));
    expect(Array.from(two.value.codes)).toEqual(Array.from(one.value.codes));
  });

  it('moves rows between the sums on two threads, split by groups of clusters, bit for bit as one thread does', async () => {
    const [count, width, clusters] = [5000, 384, 50];
    // In a kernel memory, as a k-means run has them: the workers then move rows with the kernel.
    const lent = lendKernelRows(l2NormalizeRows(plantedClusters(count, width, clusters, 2.0, 2).x).data);
    const rows = lent.data;
    expect(kernelMemoryOf(rows.buffer)).toBeDefined();
    const rng = seededRng(8);
    const pick = (limit: number) => Int32Array.from({ length: count }, () => Math.floor(rng.next() * limit));
    const moves = { rows: pick(count), from: pick(clusters), to: pick(clusters), count };
    moves.from[0] = -1; // a row added from nowhere, as the first assignment does
    const start = () => {
      const sums = new Float64Array(new SharedArrayBuffer(8 * clusters * width));
      sums.forEach((_, i) => (sums[i] = Math.sin(i)));
      return sums;
    };
    const [alone, together] = [start(), start()];
    applyMoves(alone, rows, width, moves, 0, width);
    const run = await onThreads(2, () => applyMovesInParallel(together, rows, width, moves));
    lent.release();
    expect(run.value).toBe(true);
    expect(run.parallel).toBe(1);
    expect(Array.from(together)).toEqual(Array.from(alone));
  });

  it('moves rows with a kernel memory that grew since a worker last saw it (a worker keeps one object per memory)', async () => {
    const [width, clusters] = [256, 8]; // 4,096 moves of 256 values: enough to be shared
    const movesOf = (rowCount: number, rng = seededRng(4)) => {
      const pick = (limit: number) => Int32Array.from({ length: 4096 }, () => Math.floor(rng.next() * limit));
      // the second half of the rows moved come from the end of the matrix, past any earlier size
      const rows = pick(rowCount).map((row, i) => (i % 2 ? rowCount - 1 - (row % 1000) : row));
      return { rows, from: pick(clusters), to: pick(clusters), count: 4096 };
    };
    const moved = async (data: Float32Array) => {
      const lent = lendKernelRows(data);
      const moves = movesOf(data.length / width);
      const [alone, together] = [new Float64Array(new SharedArrayBuffer(8 * clusters * width)), new Float64Array(new SharedArrayBuffer(8 * clusters * width))];
      applyMoves(alone, lent.data, width, moves, 0, clusters);
      const before = parallelTaskCount();
      const run = { value: await applyMovesInParallel(together, lent.data, width, moves), parallel: parallelTaskCount() - before };
      const id = kernelMemoryRef(lent.data.buffer)?.id;
      const bytes = lent.data.buffer.byteLength;
      lent.release();
      return { run, same: Array.from(together).every((value, i) => value === alone[i]), id, bytes };
    };
    const rowsOf = (count: number) => Float32Array.from({ length: count * width }, (_, i) => Math.sin(i));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    setScoringThreads(2); // once: the same worker takes both tasks
    try {
      const small = await moved(rowsOf(20_000));
      // Larger than the memory the first loan got: the same (largest idle) memory grows to take it.
      const large = await moved(rowsOf(small.bytes / 4 / width + 40_000));
      expect(large.id).toBe(small.id);
      expect(large.bytes).toBeGreaterThan(small.bytes);
      for (const { run, same } of [small, large]) {
        expect(run.parallel).toBe(1);
        expect(run.value).toBe(true);
        expect(same).toBe(true);
      }
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('recounts the sums when a worker fails while moving rows, and gives the one-thread run', async () => {
    const wide = l2NormalizeRows(plantedClusters(4000, 384, 40, 2.0, 6).x); // the first assignment's 4,000 moves are shared
    const start = gatherRows(wide, sampleWithoutReplacement(seededRng(1), 4000, 40));
    const one = await onThreads(1, () => lloyd(wide, start, 30));
    const failing = fileURLToPath(new URL('../support/moves-failing-scoring-worker.ts', import.meta.url));
    const onWarning = () => undefined;
    process.on('warning', onWarning);
    try {
      const two = await onThreads(2, () => lloyd(wide, start, 30), failing);
      expect(two.parallel).toBeGreaterThan(0);
      expect(two.value.iterations).toBe(one.value.iterations);
      expect(Array.from(two.value.assignment)).toEqual(Array.from(one.value.assignment));
      expect(Array.from(two.value.centroids.data)).toEqual(Array.from(one.value.centroids.data));
    } finally {
      process.off('warning', onWarning);
    }
  });

  const failingWorkers = [
    ['fails its task', fileURLToPath(new URL('../support/failing-scoring-worker.ts', import.meta.url)), 'planted worker failure'],
    ['cannot start', fileURLToPath(new URL('../support/no-such-worker.ts', import.meta.url)), 'no-such-worker.ts'],
  ] as const;
  // Enough rows that this thread is still busy with its share when the worker fails.
  const many = l2NormalizeRows(plantedClusters(40_000, 384, k, 2.0, 12).x);
  for (const [what, file, message] of failingWorkers) {
    it(`scores in this thread, correctly and with one warning, when a worker ${what}`, async () => {
      const centroids = gatherRows(many, Int32Array.from({ length: k }, (_, i) => i));
      const expected = await onThreads(1, () => nearestCentroids(many, centroids));
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.message);
      process.on('warning', onWarning);
      try {
        const result = await onThreads(2, async () => [await nearestCentroids(many, centroids), await nearestCentroids(many, centroids)], file);
        for (const run of result.value) expect(Array.from(run.assignment)).toEqual(Array.from(expected.value.assignment));
        expect(result.parallel).toBe(1); // the first call tried the worker; the second did not
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings).toEqual([expect.stringContaining(message)]);
      } finally {
        process.off('warning', onWarning);
      }
    });
  }
});
