// 2-D layouts of feature rows for the clusters map: PCA (the two leading principal components) for any
// N, UMAP (umap-js on exact nearest neighbours) up to UMAP_LIMIT rows. Both are seeded, so the same
// rows and seed give the same layout.
import { UMAP } from 'umap-js';
import { squaredDistances } from './distance-step.ts';
import { gramMatrices } from './gram.ts';
import { rowSlice, type Matrix } from './matrix.ts';
import { seededRng } from './rng.ts';

/**
 * Above this many images the map uses PCA: UMAP's exact neighbour search is N² distances and its
 * optimisation runs in plain JavaScript (about a minute of CPU at 20,000 × 384; bench/labels/bench-map.ts).
 */
export const UMAP_LIMIT = 20_000;
export const UMAP_NEIGHBORS = 15;

export interface LayoutOptions {
  seed?: number;
  /** Called with a fraction in [0, 1]; return false to stop (the layout then rejects with LayoutCancelled). */
  onProgress?: (fraction: number) => boolean | void;
}

export class LayoutCancelled extends Error {
  override name = 'LayoutCancelled';
  constructor() {
    super('The layout was cancelled.');
  }
}

/** Row-major n × 2 positions. */
export type Layout = Float32Array;

/** Projection on the two leading principal components, signs fixed (largest loading positive). */
export async function pcaLayout(x: Matrix, options: LayoutOptions = {}): Promise<Layout> {
  const { rows: n, cols: d } = x;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] = (mean[c] as number) + (x.data[r * d + c] as number);
  mean.forEach((sum, c) => (mean[c] = sum / Math.max(1, n)));
  // Centred and transposed (d × n), so one ORT MatMul of it with its transpose is the d × d scatter matrix.
  const centredT = new Float32Array(n * d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) centredT[c * n + r] = (x.data[r * d + c] as number) - (mean[c] as number);
  const scatter = await gramMatrices(centredT, 1, d, n);
  options.onProgress?.(0.5);
  const axes = leadingEigenvectors(scatter, d, 2, options.seed ?? 0);
  const out = new Float32Array(n * 2);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < 2; a++) {
      let sum = 0;
      for (let c = 0; c < d; c++) sum += (centredT[c * n + r] as number) * (axes[a * d + c] as number);
      out[r * 2 + a] = sum;
    }
  }
  options.onProgress?.(1);
  return out;
}

/** The m leading eigenvectors (rows of the result) of a symmetric d × d matrix, by subspace iteration. */
export function leadingEigenvectors(matrix: Float32Array, d: number, m: number, seed: number, iterations = 300): Float64Array {
  const rng = seededRng(seed);
  let basis = Float64Array.from({ length: m * d }, () => rng.next() - 0.5);
  orthonormalize(basis, m, d);
  for (let step = 0; step < iterations; step++) {
    const next = new Float64Array(m * d);
    for (let v = 0; v < m; v++) {
      for (let i = 0; i < d; i++) {
        let sum = 0;
        for (let j = 0; j < d; j++) sum += (matrix[i * d + j] as number) * (basis[v * d + j] as number);
        next[v * d + i] = sum;
      }
    }
    orthonormalize(next, m, d);
    basis = next;
  }
  for (let v = 0; v < m; v++) {
    let largest = 0;
    for (let i = 0; i < d; i++) if (Math.abs(basis[v * d + i] as number) > Math.abs(largest)) largest = basis[v * d + i] as number;
    if (largest < 0) for (let i = 0; i < d; i++) basis[v * d + i] = -(basis[v * d + i] as number);
  }
  return basis;
}

/** Gram–Schmidt on m row vectors of length d, in place. */
function orthonormalize(vectors: Float64Array, m: number, d: number): void {
  for (let v = 0; v < m; v++) {
    for (let u = 0; u < v; u++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += (vectors[v * d + i] as number) * (vectors[u * d + i] as number);
      for (let i = 0; i < d; i++) vectors[v * d + i] = (vectors[v * d + i] as number) - dot * (vectors[u * d + i] as number);
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += (vectors[v * d + i] as number) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < d; i++) vectors[v * d + i] = (vectors[v * d + i] as number) * scale;
  }
}

/** The k nearest rows of every row (itself first, distance 0), Euclidean, from chunked ORT distance blocks. */
export async function nearestNeighbors(x: Matrix, k: number): Promise<{ indices: number[][]; distances: number[][] }> {
  const indices: number[][] = [];
  const distances: number[][] = [];
  const chunk = Math.max(1, Math.floor(8_388_608 / Math.max(1, x.rows)));
  for (let start = 0; start < x.rows; start += chunk) {
    const end = Math.min(x.rows, start + chunk);
    const block = await squaredDistances(rowSlice(x, start, end), x);
    for (let r = 0; r < end - start; r++) {
      const best = new Float64Array(k).fill(Infinity);
      const bestIndex = new Int32Array(k).fill(-1);
      const offset = r * x.rows;
      for (let j = 0; j < x.rows; j++) {
        // Self first: its distance may round above a twin's 0.
        const value = j === start + r ? -1 : (block[offset + j] as number);
        if (value >= (best[k - 1] as number)) continue;
        let at = k - 1;
        while (at > 0 && (best[at - 1] as number) > value) {
          best[at] = best[at - 1] as number;
          bestIndex[at] = bestIndex[at - 1] as number;
          at--;
        }
        best[at] = value;
        bestIndex[at] = j;
      }
      indices.push(Array.from(bestIndex));
      distances.push(Array.from(best, (squared) => Math.sqrt(Math.max(0, squared))));
    }
  }
  return { indices, distances };
}

/** UMAP (15 neighbours, min_dist 0.1) seeded by `seed`; progress 0–0.3 is the neighbour search, the rest the epochs. */
export async function umapLayout(x: Matrix, options: LayoutOptions = {}): Promise<Layout> {
  if (x.rows > UMAP_LIMIT) throw new RangeError(`UMAP is limited to ${UMAP_LIMIT} rows (got ${x.rows}); use PCA for more.`);
  const neighbors = Math.min(UMAP_NEIGHBORS, x.rows - 1);
  if (neighbors < 2) throw new RangeError(`UMAP needs at least 3 rows (got ${x.rows}).`);
  const knn = await nearestNeighbors(x, neighbors);
  if (options.onProgress?.(0.3) === false) throw new LayoutCancelled();
  const rng = seededRng(options.seed ?? 0);
  const umap = new UMAP({ nComponents: 2, nNeighbors: neighbors, minDist: 0.1, random: () => rng.next() });
  umap.setPrecomputedKNN(knn.indices, knn.distances);
  // With the neighbours given, umap-js reads only the number of rows from its input.
  const rows = Array.from({ length: x.rows }, () => [] as number[]);
  const epochs = umap.initializeFit(rows);
  let cancelled = false;
  const embedding = await umap.fitAsync(rows, (epoch) => {
    if (epoch % 10 !== 0) return true;
    cancelled = options.onProgress?.(0.3 + (0.7 * epoch) / epochs) === false;
    return !cancelled;
  });
  if (cancelled) throw new LayoutCancelled();
  const out = new Float32Array(x.rows * 2);
  embedding.forEach(([px, py], r) => {
    out[r * 2] = px as number;
    out[r * 2 + 1] = py as number;
  });
  return out;
}

/** Positions scaled into [0, 1]² keeping the aspect ratio (one scale for both axes), centred. */
export function normalizeLayout(layout: Layout): Layout {
  const n = layout.length / 2;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, layout[i * 2] as number);
    maxX = Math.max(maxX, layout[i * 2] as number);
    minY = Math.min(minY, layout[i * 2 + 1] as number);
    maxY = Math.max(maxY, layout[i * 2 + 1] as number);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const [padX, padY] = [(span - (maxX - minX)) / 2, (span - (maxY - minY)) / 2];
  return layout.map((value, i) => (i % 2 === 0 ? (value - minX + padX) / span : (value - minY + padY) / span));
}
