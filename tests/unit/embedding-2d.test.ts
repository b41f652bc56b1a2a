// The clusters map's 2-D layouts: PCA finds the known leading directions, both PCA and UMAP keep
// well-separated blobs apart, a seed makes UMAP repeatable, and the cache file round-trips.
import { describe, expect, it } from 'vitest';
import { decodeMap, encodeMap, mapMethodFor } from '../../src/core/labels/cluster-map.ts';
import { LayoutCancelled, leadingEigenvectors, nearestNeighbors, normalizeLayout, pcaLayout, UMAP_LIMIT, umapLayout } from '../../src/core/labels/embedding-2d.ts';
import { matrix } from '../../src/core/labels/matrix.ts';
import { seededRng } from '../../src/core/labels/rng.ts';
import { plantedClusters } from '../support/planted-clusters.ts';

function correlation(a: number[], b: number[]): number {
  const mean = (v: number[]) => v.reduce((sum, x) => sum + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  a.forEach((x, i) => {
    ab += (x - ma) * ((b[i] as number) - mb);
    aa += (x - ma) ** 2;
    bb += ((b[i] as number) - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

/** Share of points whose nearest other point in the layout belongs to their own blob. */
function neighbourAgreement(layout: Float32Array, truth: Int32Array): number {
  const n = truth.length;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let nearest = -1;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = ((layout[i * 2] as number) - (layout[j * 2] as number)) ** 2 + ((layout[i * 2 + 1] as number) - (layout[j * 2 + 1] as number)) ** 2;
      if (d < best) [best, nearest] = [d, j];
    }
    if (truth[nearest] === truth[i]) agree++;
  }
  return agree / n;
}

/** Smallest distance between two blob centres over the largest distance of a point to its own blob centre. */
function separation(layout: Float32Array, truth: Int32Array, k: number): number {
  const centres = Array.from({ length: k }, (_, c) => {
    const members = [...truth.keys()].filter((i) => truth[i] === c);
    return [0, 1].map((axis) => members.reduce((sum, i) => sum + (layout[i * 2 + axis] as number), 0) / members.length) as [number, number];
  });
  const spread = Math.max(...[...truth.keys()].map((i) => Math.hypot((layout[i * 2] as number) - centres[truth[i]!]![0], (layout[i * 2 + 1] as number) - centres[truth[i]!]![1])));
  let gap = Infinity;
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) gap = Math.min(gap, Math.hypot(centres[a]![0] - centres[b]![0], centres[a]![1] - centres[b]![1]));
  return gap / spread;
}

describe('PCA layout', () => {
  it('finds the leading directions of data stretched along known axes', async () => {
    const rng = seededRng(3);
    const n = 2000;
    const d = 12;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) data[i * d + j] = 0.05 * (rng.next() - 0.5);
      data[i * d + 4] = (data[i * d + 4] as number) + 10 * (rng.next() - 0.5); // largest variance on axis 4
      data[i * d + 7] = (data[i * d + 7] as number) + 4 * (rng.next() - 0.5); // next on axis 7
    }
    const layout = await pcaLayout(matrix(data, n, d));
    const column = (values: ArrayLike<number>, stride: number, offset: number) => Array.from({ length: n }, (_, i) => values[i * stride + offset] as number);
    expect(correlation(column(layout, 2, 0), column(data, d, 4))).toBeGreaterThan(0.9999);
    expect(correlation(column(layout, 2, 1), column(data, d, 7))).toBeGreaterThan(0.99);
    // Signs are fixed, so the layout of the same data is the same.
    expect(Array.from(await pcaLayout(matrix(data, n, d)))).toEqual(Array.from(layout));
  });

  it('gives the eigenvectors of a known symmetric matrix, signs fixed', () => {
    // diag(1, 5, 3) rotated nowhere: leading eigenvectors are e1 (5) then e2 (3).
    const m = Float32Array.from([1, 0, 0, 0, 5, 0, 0, 0, 3]);
    const vectors = leadingEigenvectors(m, 3, 2, 9);
    expect(Array.from(vectors).map((v) => Math.round(v * 1e6) / 1e6 + 0)).toEqual([0, 1, 0, 0, 0, 1]);
  });

  it('keeps well-separated blobs apart', async () => {
    const { x, truth } = plantedClusters(900, 48, 3, 0.08, 11);
    const layout = await pcaLayout(x);
    expect(neighbourAgreement(layout, truth)).toBe(1);
    expect(separation(layout, truth, 3)).toBeGreaterThan(2);
  });
});

describe('UMAP layout', () => {
  it('finds the exact nearest neighbours, itself first', async () => {
    const { x } = plantedClusters(120, 8, 3, 0.3, 2);
    const knn = await nearestNeighbors(x, 5);
    for (const i of [0, 17, 119]) {
      const brute = Array.from({ length: x.rows }, (_, j) => {
        let sum = 0;
        for (let c = 0; c < x.cols; c++) sum += (x.data[i * x.cols + c]! - x.data[j * x.cols + c]!) ** 2;
        return [j === i ? -1 : sum, j] as const;
      }).sort((a, b) => a[0] - b[0]);
      expect(knn.indices[i]).toEqual(brute.slice(0, 5).map(([, j]) => j));
      expect(knn.distances[i]![0]).toBe(0);
      expect(knn.distances[i]![1]).toBeCloseTo(Math.sqrt(brute[1]![0]), 4);
    }
  });

  it('keeps well-separated blobs apart', async () => {
    const { x, truth } = plantedClusters(450, 32, 3, 0.1, 5);
    const layout = await umapLayout(x, { seed: 1 });
    expect(neighbourAgreement(layout, truth)).toBe(1);
    expect(separation(layout, truth, 3)).toBeGreaterThan(1.5);
  });

  it('is repeatable with a seed and differs with another seed', async () => {
    const { x } = plantedClusters(200, 16, 2, 0.2, 8);
    const first = await umapLayout(x, { seed: 4 });
    const again = await umapLayout(x, { seed: 4 });
    const other = await umapLayout(x, { seed: 5 });
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(Array.from(other)).not.toEqual(Array.from(first));
  });

  it('can be stopped from its progress callback', async () => {
    const { x } = plantedClusters(100, 8, 2, 0.2, 8);
    const fractions: number[] = [];
    await expect(umapLayout(x, { onProgress: (fraction) => (fractions.push(fraction), fraction < 0.5) })).rejects.toBeInstanceOf(LayoutCancelled);
    expect(fractions.at(-1)).toBeGreaterThanOrEqual(0.5);
    expect(fractions.at(-1)).toBeLessThan(1);
  });
});

describe('map layout helpers', () => {
  it('scales a layout into the unit square keeping its aspect ratio', () => {
    const layout = normalizeLayout(Float32Array.from([-2, 1, 2, 1, 0, 3]));
    expect(Array.from(layout)).toEqual([0, 0.25, 1, 0.25, 0.5, 0.75]);
  });

  it('round-trips the cache file and refuses a truncated one', () => {
    const bytes = encodeMap([4, 9, 12], Float32Array.from([0, 1, 0.5, 0.25, 1, 0]));
    const decoded = decodeMap(bytes);
    expect(Array.from(decoded.imageIds)).toEqual([4, 9, 12]);
    expect(Array.from(decoded.positions)).toEqual([0, 1, 0.5, 0.25, 1, 0]);
    expect(() => decodeMap(bytes.subarray(0, bytes.length - 4))).toThrow('compute the map again');
  });

  it('chooses UMAP up to the limit and PCA above it', () => {
    expect(mapMethodFor(UMAP_LIMIT)).toBe('umap');
    expect(mapMethodFor(UMAP_LIMIT + 1)).toBe('pca');
  });
});
