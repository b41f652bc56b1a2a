// LOST (Siméoni et al., BMVC 2021) exactly as SPEC §3: one box per image from the last-layer keys of
// a ViT. The seed is the patch correlated with the fewest others (objects cover less of an image than
// background), the seed's correlated low-degree patches vote for a map, and the box is the 4-connected
// component of that map containing the seed.
import { gramMatrices } from './gram.ts';
import type { Matrix } from './matrix.ts';

export interface LostOptions {
  /** patches grid: rows (h) and columns (w) of the padded input; h·w = number of key rows */
  gridHeight: number;
  gridWidth: number;
  /** size of the un-padded image in pixels, to clip the box */
  imageWidth: number;
  imageHeight: number;
  patchSize?: number;
  /** how many lowest-degree patches may vote (LOST's k_patches) */
  kPatches?: number;
}

/** [x0, y0, x1, y1] in pixels, x1 and y1 exclusive. */
export type PixelBox = [number, number, number, number];

export interface LostResult {
  box: PixelBox;
  /** index of the seed patch (row-major) */
  seed: number;
  /** 1 for the patches of the seed's component, h×w row-major */
  component: Uint8Array;
  /** patches' degree: how many other patches have a positive correlation with it */
  degree: Int32Array;
}

export class LostError extends Error {
  override name = 'LostError';
}

/** Patch indices by increasing degree; a stable sort, so ties keep the lowest index first. */
function byDegree(gram: Float32Array, n: number): { degree: Int32Array; order: number[] } {
  const degree = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    let count = 0;
    for (let q = 0; q < n; q++) if (q !== p && (gram[p * n + q] as number) > 0) count++;
    degree[p] = count;
  }
  const order = Array.from(degree.keys()).sort((a, b) => (degree[a] as number) - (degree[b] as number) || a - b);
  return { degree, order };
}

/** The 4-connected component of `start` among the cells where `inside` is 1 (flood fill). */
function componentOf(inside: Uint8Array, h: number, w: number, start: number): Uint8Array {
  const component = new Uint8Array(h * w);
  const stack = [start];
  component[start] = 1;
  while (stack.length > 0) {
    const cell = stack.pop() as number;
    const [row, col] = [Math.floor(cell / w), cell % w];
    const neighbours = [row > 0 ? cell - w : -1, row < h - 1 ? cell + w : -1, col > 0 ? cell - 1 : -1, col < w - 1 ? cell + 1 : -1];
    for (const next of neighbours) {
      if (next >= 0 && inside[next] === 1 && component[next] === 0) {
        component[next] = 1;
        stack.push(next);
      }
    }
  }
  return component;
}

function boundingBox(component: Uint8Array, options: LostOptions): PixelBox {
  const { gridWidth: w, patchSize = 16 } = options;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  component.forEach((value, cell) => {
    if (value === 0) return;
    const [row, col] = [Math.floor(cell / w), cell % w];
    [x0, y0, x1, y1] = [Math.min(x0, col), Math.min(y0, row), Math.max(x1, col), Math.max(y1, row)];
  });
  return [x0 * patchSize, y0 * patchSize, Math.min((x1 + 1) * patchSize, options.imageWidth), Math.min((y1 + 1) * patchSize, options.imageHeight)];
}

/** LOST on a precomputed Gram matrix A = F·Fᵀ (n×n, row-major). */
export function lostFromGram(gram: Float32Array, options: LostOptions): LostResult {
  const { gridHeight: h, gridWidth: w, kPatches = 100 } = options;
  const n = h * w;
  if (gram.length !== n * n) throw new RangeError(`a ${h}×${w} grid needs a ${n}×${n} Gram matrix, got ${gram.length} values`);
  const { degree, order } = byDegree(gram, n);
  const seed = order[0] as number;
  const voters = order.slice(0, kPatches).filter((q) => (gram[seed * n + q] as number) > 0);
  const votes = new Float64Array(n);
  for (const q of voters) for (let j = 0; j < n; j++) votes[j] = (votes[j] as number) + (gram[q * n + j] as number);
  const inside = Uint8Array.from(votes, (v) => (v > 0 ? 1 : 0));
  // As in the reference, a seed outside the map (all-zero keys) has no box.
  if (inside[seed] === 0) throw new LostError('the seed patch is not in the voted map (are the keys all zero?)');
  const component = componentOf(inside, h, w, seed);
  return { box: boundingBox(component, options), seed, component, degree };
}

/** LOST on one image's keys (n×d, row-major over the padded patch grid). */
export async function lost(keys: Matrix, options: LostOptions): Promise<LostResult> {
  if (keys.rows !== options.gridHeight * options.gridWidth) {
    throw new RangeError(`${keys.rows} key rows do not fill a ${options.gridHeight}×${options.gridWidth} grid`);
  }
  return lostFromGram(await gramMatrices(keys.data, 1, keys.rows, keys.cols), options);
}
