import { describe, expect, it } from 'vitest';
import { decodeHalf, encodeHalf, fitsFloat16, FLOAT16_MAX, fromHalf, toHalf } from '../../src/core/features/float16.ts';

describe('float16', () => {
  it('encodes known values', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(2 ** -24)).toBe(0x0001);
    expect(toHalf(2 ** -26)).toBe(0x0000);
    expect(toHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every finite half exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      expect(toHalf(fromHalf(bits))).toBe(bits === 0x8000 ? 0x8000 : bits);
    }
  });

  it('tells which values are stored as finite halves: NaN, ±∞ and beyond ±65504 are not', () => {
    expect(fromHalf(toHalf(FLOAT16_MAX))).toBe(FLOAT16_MAX);
    const values = Float32Array.of(0, -FLOAT16_MAX, FLOAT16_MAX, 1e-8, 65536, -1e6, Infinity, -Infinity, NaN);
    const fits = Array.from(values, (_, i) => fitsFloat16(values, i, i + 1));
    expect(fits).toEqual([true, true, true, true, false, false, false, false, false]);
    expect(fitsFloat16(values, 0, 4)).toBe(true);
    expect(fitsFloat16(values, 0, 5)).toBe(false);
  });

  it('rounds float32 to the nearest half within half a step', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
    const back = decodeHalf(encodeHalf(values));
    values.forEach((value, i) => expect(Math.abs((back[i] as number) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -11 + 2 ** -25));
  });
});
