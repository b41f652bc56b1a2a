import { describe, expect, it } from 'vitest';
import { normalizationTable } from '../../src/core/features/preprocess.ts';
import { boxToOriginal, cropRgb, lostInput, lostInputSize } from '../../src/core/labels/lost-input.ts';
import { lostFromGram } from '../../src/core/labels/lost.ts';
import type { Preprocessing } from '../../src/shared/models.ts';

const PRE: Preprocessing = { width: 224, height: 224, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const SIDES = { maxSide: 1024, minSide: 224 };

describe('LOST input size', () => {
  it('keeps an image between the limits, pads it to whole patches', () => {
    expect(lostInputSize(400, 300, SIDES, 16)).toEqual({ width: 400, height: 300, paddedWidth: 400, paddedHeight: 304, gridWidth: 25, gridHeight: 19 });
  });
  it('scales a large image down so its longer side is the cap', () => {
    expect(lostInputSize(4000, 3000, SIDES, 16)).toEqual({ width: 1024, height: 768, paddedWidth: 1024, paddedHeight: 768, gridWidth: 64, gridHeight: 48 });
    expect(lostInputSize(3000, 4001, SIDES, 16)).toMatchObject({ width: 768, height: 1024 });
  });
  it('scales a tiny image up to the minimum', () => {
    expect(lostInputSize(28, 28, SIDES, 16)).toMatchObject({ width: 224, height: 224, gridWidth: 14, gridHeight: 14 });
    expect(lostInputSize(28, 28, { maxSide: 1024, minSide: 28 }, 4)).toMatchObject({ width: 28, height: 28, gridWidth: 7, gridHeight: 7 });
  });
});

describe('LOST input tensor', () => {
  it('normalizes the image into the top-left corner and leaves zeros (after normalization) in the padding', () => {
    const [width, height] = [20, 18];
    const rgb = new Uint8Array(width * height * 3).fill(255);
    const size = lostInputSize(width, height, { maxSide: 1024, minSide: 16 }, 16);
    expect([size.paddedWidth, size.paddedHeight]).toEqual([32, 32]);
    const tensor = lostInput(rgb, width, height, size, normalizationTable(PRE));
    const plane = 32 * 32;
    const white = PRE.mean.map((mean, c) => (1 - mean) / (PRE.std[c] as number));
    for (let c = 0; c < 3; c++) {
      expect(tensor[c * plane + 17 * 32 + 19]).toBeCloseTo(white[c] as number, 5); // last image pixel
      expect(tensor[c * plane + 17 * 32 + 20]).toBe(0); // right padding
      expect(tensor[c * plane + 18 * 32]).toBe(0); // bottom padding
    }
  });
});

describe('LOST boxes back in original pixels', () => {
  it('is the identity at scale 1 and rounds outwards when scaling', () => {
    expect(boxToOriginal([16, 32, 48, 64], { width: 400, height: 300 }, { width: 400, height: 300 })).toEqual([16, 32, 48, 64]);
    // 1280×960 at half size: ×2.
    expect(boxToOriginal([320, 160, 384, 224], { width: 640, height: 480 }, { width: 1280, height: 960 })).toEqual([640, 320, 768, 448]);
    // 1000 → 1024 (×0.9765625): 16 → 15.625 → 15, 48 → 46.875 → 47.
    expect(boxToOriginal([16, 16, 48, 48], { width: 1024, height: 1024 }, { width: 1000, height: 1000 })).toEqual([15, 15, 47, 47]);
  });

  it('follows a hand-built planted grid: seed, component and box on a padded, upscaled input', () => {
    // A 56×42 image upscaled ×4 to 224×168 (14×11 patches of 16). Background patches share one key
    // direction; the object patches at rows 3–4, columns 4–6 another; nothing else correlates.
    const size = lostInputSize(56, 42, SIDES, 16);
    expect([size.gridWidth, size.gridHeight]).toEqual([14, 11]);
    const n = size.gridWidth * size.gridHeight;
    const object = new Set<number>();
    for (let row = 3; row <= 4; row++) for (let col = 4; col <= 6; col++) object.add(row * size.gridWidth + col);
    const keys = Array.from({ length: n }, (_, p) => (object.has(p) ? [0, 1] : [1, 0]));
    const gram = new Float32Array(n * n);
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) gram[p * n + q] = keys[p]![0]! * keys[q]![0]! + keys[p]![1]! * keys[q]![1]!;
    const result = lostFromGram(gram, { gridHeight: size.gridHeight, gridWidth: size.gridWidth, imageWidth: size.width, imageHeight: size.height });
    expect(result.seed).toBe(3 * 14 + 4);
    expect(result.box).toEqual([64, 48, 112, 80]);
    expect(boxToOriginal(result.box, size, { width: 56, height: 42 })).toEqual([16, 12, 28, 20]);
  });
});

describe('crop', () => {
  it('copies the box pixels row by row', () => {
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i);
    const crop = cropRgb(rgb, 4, [1, 1, 3, 3]);
    expect(crop).toEqual({ width: 2, height: 2, data: Uint8Array.from([15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]) });
  });
});
