// Points drawn around k random unit-scale centres (Gaussian noise of the given spread), with the
// true cluster of each point: data whose right clustering is known. Shared by tests and bench/labels.
import { seededRng } from '../../src/core/labels/rng.ts';
import type { Matrix } from '../../src/core/labels/matrix.ts';

export function plantedClusters(n: number, d: number, k: number, spread: number, seed = 1): { x: Matrix; truth: Int32Array } {
  const rng = seededRng(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const centres = Float32Array.from({ length: k * d }, gaussian);
  const data = new Float32Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cluster = i % k; // every cluster gets its share
    truth[i] = cluster;
    for (let j = 0; j < d; j++) data[i * d + j] = (centres[cluster * d + j] as number) + spread * gaussian();
  }
  return { x: { data, rows: n, cols: d }, truth };
}
