// The k-means M-step: centroids as means of their points, with scikit-learn's re-seeding of empty
// clusters (each empty cluster takes one of the points farthest from their centroid, and that point
// leaves its old cluster's sum). Sums are float64: 100k float32 additions would lose digits.
import type { Matrix } from './matrix.ts';

export interface ClusterSums {
  sums: Float64Array; // k × d
  counts: Float64Array; // k
}

/** Zero sums, in shared memory so that the scoring threads can move rows between them (move-log.ts). */
export function emptySums(k: number, d: number): ClusterSums {
  return { sums: new Float64Array(new SharedArrayBuffer(8 * k * d)), counts: new Float64Array(k) };
}

/** Adds every row of x to the sum of its assigned cluster. */
export function accumulate(target: ClusterSums, x: Matrix, assignment: Int32Array): void {
  // Locals, not property reads, in the hot loop: V8 cannot hoist x.data past the typed-array stores.
  const { data, rows, cols: d } = x;
  const { sums, counts } = target;
  for (let i = 0; i < rows; i++) {
    const cluster = assignment[i]!;
    const row = i * d;
    const sum = cluster * d;
    for (let j = 0; j < d; j++) sums[sum + j]! += data[row + j]!;
    counts[cluster]!++;
  }
}

/** Rows in order of decreasing distance (ties: lower index first), the re-seeding candidates. */
export function farthestFirst(distance: Float32Array, count: number): number[] {
  const order = Array.from(distance.keys());
  order.sort((a, b) => (distance[b] as number) - (distance[a] as number) || a - b);
  return order.slice(0, count);
}

/**
 * Gives each empty cluster one of the points farthest from their centroid; returns how many were
 * re-seeded. `distance` is each row's squared distance to the centroid it was assigned to.
 */
export function reseedEmptyClusters(target: ClusterSums, x: Matrix, assignment: Int32Array, distance: Float32Array): number {
  const empty: number[] = [];
  target.counts.forEach((count, cluster) => count === 0 && empty.push(cluster));
  if (empty.length === 0) return 0;
  const d = x.cols;
  const far = farthestFirst(distance, empty.length);
  empty.forEach((cluster, index) => {
    const point = far[index] as number;
    const old = assignment[point] as number;
    for (let j = 0; j < d; j++) {
      const value = x.data[point * d + j] as number;
      target.sums[old * d + j] = (target.sums[old * d + j] as number) - value;
      target.sums[cluster * d + j] = value;
    }
    target.counts[old] = (target.counts[old] as number) - 1;
    target.counts[cluster] = 1;
  });
  return empty.length;
}

/** Writes the means into `centroids`; a cluster that is still empty keeps its previous centroid. */
export function writeMeans(source: ClusterSums, centroids: Matrix): void {
  const d = centroids.cols;
  for (let cluster = 0; cluster < centroids.rows; cluster++) {
    const count = source.counts[cluster] as number;
    if (count === 0) continue;
    for (let j = 0; j < d; j++) centroids.data[cluster * d + j] = (source.sums[cluster * d + j] as number) / count;
  }
}

export function copySums(source: ClusterSums): ClusterSums {
  return { sums: Float64Array.from(source.sums), counts: Float64Array.from(source.counts) };
}
