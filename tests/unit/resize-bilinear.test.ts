import { describe, expect, it } from 'vitest';
import { resizeBilinearRgb } from '../../src/core/features/resize-bilinear.ts';

// Reference values from Pillow 13.0.0 (the trainer's venv):
//   src = (np.arange(7*5*3).reshape(5, 7, 3) * 37 % 256).astype(np.uint8)
//   np.asarray(Image.fromarray(src, 'RGB').resize(size, Image.BILINEAR)).reshape(-1).tolist()
const SOURCE = Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 37) % 256);
const PIL_3x2 = [104, 86, 123, 146, 123, 100, 123, 160, 142, 105, 104, 141, 145, 122, 118, 141, 161, 131];
const PIL_11x9_FIRST_ROW = [0, 37, 74, 50, 87, 124, 121, 135, 172, 192, 43, 80, 169, 43, 80, 77, 114, 151, 148, 185, 59, 148, 185, 36, 56, 93, 107, 104, 141, 178, 154, 191, 228];
const PIL_11x9_LAST_ROW = [36, 73, 110, 86, 123, 160, 134, 171, 208, 42, 79, 116, 42, 79, 116, 113, 150, 187, 184, 58, 95, 184, 35, 72, 92, 106, 143, 140, 177, 74, 190, 227, 8];

describe('bilinear resize (Pillow-exact)', () => {
  it('shrinks like Pillow, antialiasing included', () => {
    expect([...resizeBilinearRgb(SOURCE, 7, 5, 3, 2)]).toEqual(PIL_3x2);
  });

  it('enlarges like Pillow', () => {
    const out = resizeBilinearRgb(SOURCE, 7, 5, 11, 9);
    expect(out).toHaveLength(11 * 9 * 3);
    expect([...out.subarray(0, 33)]).toEqual(PIL_11x9_FIRST_ROW);
    expect([...out.subarray(8 * 33)]).toEqual(PIL_11x9_LAST_ROW);
  });

  it('leaves the pixels alone at the same size', () => {
    expect([...resizeBilinearRgb(SOURCE, 7, 5, 7, 5)]).toEqual([...SOURCE]);
  });
});
