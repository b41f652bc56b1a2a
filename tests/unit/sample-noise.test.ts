import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../../src/core/sample/noise.ts';

describe('seeded Gaussian noise', () => {
  it('is the same for the same seed and different for another', () => {
    expect(gaussianNoise(42, 1001)).toEqual(gaussianNoise(42, 1001));
    const other = gaussianNoise(43, 1001);
    expect(gaussianNoise(42, 1001).filter((v, i) => v === other[i]).length).toBe(0);
  });

  it('a longer draw starts with the shorter one (an odd count just drops the last normal)', () => {
    expect(gaussianNoise(5, 7)).toEqual(gaussianNoise(5, 8).subarray(0, 7));
  });

  it('is standard normal: mean 0, variance 1, 4.6% beyond 2σ', () => {
    const n = 200_000;
    const x = gaussianNoise(1, n);
    const mean = x.reduce((a, v) => a + v, 0) / n;
    const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    const tails = x.filter((v) => Math.abs(v) > 2).length / n;
    // standard errors: mean 0.0022, variance 0.0032, tail fraction 0.0005
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    expect(Math.abs(tails - 0.0455)).toBeLessThan(0.0025);
    expect(x.every(Number.isFinite)).toBe(true);
  });
});
