import { describe, expect, it } from 'vitest';
import { gramMatrices } from '../../src/core/labels/gram.ts';
import { lost, LostError } from '../../src/core/labels/lost.ts';
import { matrix } from '../../src/core/labels/matrix.ts';

/** Keys for an h×w grid: `key(cell)` gives each patch's key vector (all of one length). */
function plantKeys(h: number, w: number, key: (cell: number) => number[]) {
  const rows = Array.from({ length: h * w }, (_, cell) => key(cell));
  return matrix(Float32Array.from(rows.flat()), h * w, rows[0]!.length);
}

function cells(component: Uint8Array): number[] {
  return Array.from(component.keys()).filter((cell) => component[cell] === 1);
}

describe('LOST', () => {
  it('boxes an object block of similar keys on an anti-correlated background', async () => {
    // 4×4 grid; object = rows 1–2, cols 1–2 (cells 5, 6, 9, 10) with key (−1, 0.1); background (1, 0).
    // Object patches correlate with 3 others, background ones with 11: seed = lowest object index, 5.
    const object = new Set([5, 6, 9, 10]);
    const keys = plantKeys(4, 4, (cell) => (object.has(cell) ? [-1, 0.1] : [1, 0]));
    const result = await lost(keys, { gridHeight: 4, gridWidth: 4, imageWidth: 64, imageHeight: 64 });
    expect(result.seed).toBe(5);
    expect(result.degree[5]).toBe(3);
    expect(result.degree[0]).toBe(11);
    expect(cells(result.component)).toEqual([5, 6, 9, 10]);
    expect(result.box).toEqual([16, 16, 48, 48]);
  });

  it('breaks degree ties by the lowest index, keeps only the seed component and clips to the image', async () => {
    // 3×5 grid of a 70×40 image padded to 80×48. Object key at cells 3, 4, 8, 9 (top right block)
    // and at cell 10 (bottom left, not connected): five patches of degree 4, the lowest index 3 is
    // the seed. All five vote, the map holds all five, the component of cell 3 only the block:
    // cols 3–4 → x 48..80 clipped to 70, rows 0–1 → y 0..32.
    const object = new Set([3, 4, 8, 9, 10]);
    const keys = plantKeys(3, 5, (cell) => (object.has(cell) ? [-2, 1, 0.5] : [1, 0.2, 0]));
    const result = await lost(keys, { gridHeight: 3, gridWidth: 5, imageWidth: 70, imageHeight: 40 });
    expect(result.seed).toBe(3);
    expect(Array.from(result.degree)).toEqual([9, 9, 9, 4, 4, 9, 9, 9, 4, 4, 4, 9, 9, 9, 9]);
    expect(cells(result.component)).toEqual([3, 4, 8, 9]);
    expect(result.box).toEqual([48, 0, 70, 32]);
  });

  it('lets only the low-degree patches correlated with the seed vote', async () => {
    // 4×4; cell 0 key o1 = (−1, 1), cells 1 and 2 key o2 = (−1, −2), the rest (1, 0).
    // o1·o2 = −1, o·b = −1: degree(0) = 0 (the seed), degree(1) = degree(2) = 1, background 12.
    // With kPatches = 3, D = {0, 1, 2} but S = {0} (A₀₁ < 0), so M = A₀· is positive only at cell 0.
    // Had cells 1 and 2 voted, M₀ = 2 − 1 − 1 = 0 and M₁ = −1 + 5 + 5 > 0: a different map.
    const keys = plantKeys(4, 4, (cell) => (cell === 0 ? [-1, 1] : cell <= 2 ? [-1, -2] : [1, 0]));
    const result = await lost(keys, { gridHeight: 4, gridWidth: 4, imageWidth: 64, imageHeight: 64, kPatches: 3 });
    expect(result.seed).toBe(0);
    expect([result.degree[0], result.degree[1], result.degree[2], result.degree[3]]).toEqual([0, 1, 1, 12]);
    expect(cells(result.component)).toEqual([0]);
    expect(result.box).toEqual([0, 0, 16, 16]);
  });

  it('uses the patch size for the box', async () => {
    const keys = plantKeys(2, 3, (cell) => (cell === 5 ? [0, -1] : [0, 1]));
    const result = await lost(keys, { gridHeight: 2, gridWidth: 3, imageWidth: 24, imageHeight: 16, patchSize: 8 });
    expect(result.seed).toBe(5);
    expect(result.box).toEqual([16, 8, 24, 16]);
  });

  it('computes raw dot products for the Gram matrix', async () => {
    const gram = await gramMatrices(Float32Array.from([1, 2, 3, -1, 0, 2, /* second image */ 1, 0, 0, 0, 0, 1]), 2, 2, 3);
    expect(Array.from(gram)).toEqual([14, 5, 5, 5, 1, 0, 0, 1]);
  });

  it('refuses keys that give no map (all zero) or do not fill the grid', async () => {
    const zeros = matrix(new Float32Array(4 * 2), 4, 2);
    await expect(lost(zeros, { gridHeight: 2, gridWidth: 2, imageWidth: 32, imageHeight: 32 })).rejects.toThrow(LostError);
    await expect(lost(zeros, { gridHeight: 3, gridWidth: 2, imageWidth: 32, imageHeight: 48 })).rejects.toThrow(RangeError);
  });
});
