import { createHash } from 'node:crypto';
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

  // Full-size cases against Pillow 13.0.0, by the sha256 of its output bytes:
  //   i = np.arange(w*h*3, dtype=np.uint64); src = (((i*2654435761) % 2**32) >> 24).astype(np.uint8).reshape(h, w, 3)
  //   hashlib.sha256(np.asarray(Image.fromarray(src, 'RGB').resize((ow, oh), Image.BILINEAR)).tobytes()).hexdigest()
  // Noise, so any rounding slip shows; the sizes cover the unrolled six-tap passes (640×480, 480×640,
  // 300×200), the general loops for wider windows (1000×750) and upsampling (100×80).
  const PIL_SHA256: [number, number, string][] = [
    [640, 480, 'a33a1bf7e6390fcedf6a67e6db6cb10f307e3ce6baefc6ea528d537c15ef9746'],
    [480, 640, 'a1d1e7bea2d4d8e421bb54105eaafea6cc68060c0b394d87d73ba07d7d3aeaed'],
    [1000, 750, '5f06bab625c5cedb263931ad6d7c01b73a8f7deabb8f0c2e8e64df4b97bee7e4'],
    [300, 200, '125ceaf4b710d9cbf78b9f914b924e6ebef8e41696c7c0f6244cf82544cf65db'],
    [100, 80, '0c85b666e482b121cad6edfc39b4e05d65bd6e541171d19c58410390fc892258'],
  ];
  for (const [w, h, sha256] of PIL_SHA256) {
    it(`resizes ${w}×${h} noise to 224×224 byte for byte as Pillow`, () => {
      const source = Uint8Array.from({ length: w * h * 3 }, (_, i) => Number((BigInt(i) * 2654435761n) % 2n ** 32n) >>> 24);
      const out = resizeBilinearRgb(source, w, h, 224, 224);
      expect(createHash('sha256').update(out).digest('hex')).toBe(sha256);
    });
  }
});
