import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { normalizationTable, preprocessInto } from '../../src/core/features/preprocess.ts';
import { DEFAULT_PREPROCESSING } from '../../src/core/models/sidecar.ts';
import type { DecodeMode, Preprocessing } from '../../src/shared/models.ts';
import { photo } from '../support/photo.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

async function tensorOf(png: Buffer, pre: Preprocessing, decode: DecodeMode = 'exact'): Promise<Float32Array> {
  const out = new Float32Array(3 * pre.width * pre.height);
  await preprocessInto(png, pre, normalizationTable(pre), 1e9, out, 0, decode);
  return out;
}

/** Mean and largest difference of two tensors, in 8-bit levels of the red channel's scale. */
function levelsApart(a: Float32Array, b: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (Math.abs((a[i] as number) - (b[i] as number)) * (STD[0] as number)) * 255;
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

describe('feature preprocessing (SPEC §1)', () => {
  it('gives (v / 255 − mean) / std per channel, planar CHW, when no resize is needed', async () => {
    const pre = { ...DEFAULT_PREPROCESSING, width: 6, height: 4 };
    const rgb = Buffer.from(Array.from({ length: 6 * 4 * 3 }, (_, i) => (i * 29 + 7) % 256));
    const png = await sharp(rgb, { raw: { width: 6, height: 4, channels: 3 } }).png().toBuffer();
    const tensor = await tensorOf(png, pre);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 24; p++) {
        const expected = ((rgb[p * 3 + c] as number) / 255 - (MEAN[c] as number)) / (STD[c] as number);
        expect(tensor[c * 24 + p]).toBeCloseTo(expected, 6);
      }
    }
    // Spot values: byte 0 of the red channel is 7 → (7/255 − 0.485) / 0.229.
    expect(tensor[0]).toBeCloseTo(-1.9980, 4);
  });

  it('upsamples small images and resizes to the model size; greyscale is replicated, alpha dropped', async () => {
    const grey = await sharp({ create: { width: 3, height: 5, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .greyscale()
      .png()
      .toBuffer();
    const tensor = await tensorOf(grey, DEFAULT_PREPROCESSING);
    const plane = 224 * 224;
    expect(tensor).toHaveLength(3 * plane);
    for (let c = 0; c < 3; c++) {
      const expected = (128 / 255 - (MEAN[c] as number)) / (STD[c] as number);
      expect(tensor[c * plane]).toBeCloseTo(expected, 6);
      expect(tensor[c * plane + plane - 1]).toBeCloseTo(expected, 6);
    }
    const transparent = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0 } } })
      .png()
      .toBuffer();
    const rgba = await tensorOf(transparent, { ...DEFAULT_PREPROCESSING, width: 4, height: 4 });
    expect(rgba[16]).toBeCloseTo((200 / 255 - 0.456) / 0.224, 6);
  });

  it('honours a sidecar that overrides size, mean and std', async () => {
    const pre: Preprocessing = { width: 2, height: 2, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1] };
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 255, g: 0, b: 51 } } }).png().toBuffer();
    const tensor = await tensorOf(png, pre);
    expect([...tensor].map((v) => Number(v.toFixed(5)))).toEqual([1, 1, 1, 1, -2, -2, -2, -2, -0.3, -0.3, -0.3, -0.3]);
  });

  it('refuses a file that is not an image, with the reason', async () => {
    await expect(tensorOf(Buffer.from('not a picture'), DEFAULT_PREPROCESSING)).rejects.toThrow(/not an image/);
  });
});

describe('fast decode (opt-in: JPEG shrink-on-load, libvips linear resize)', () => {
  it('stays within a few levels of the exact pipeline on a large photo', async () => {
    const jpeg = await photo(2400, 1800);
    const apart = levelsApart(await tensorOf(jpeg, DEFAULT_PREPROCESSING, 'fast'), await tensorOf(jpeg, DEFAULT_PREPROCESSING));
    // measured: 0.14 levels on average, 5 at most (along the disc's edge)
    expect(apart.mean).toBeLessThan(0.5);
    expect(apart.max).toBeLessThan(16);
    expect(apart.mean).toBeGreaterThan(0); // and it is a different pipeline, not the exact one
  });

  it('applies the EXIF orientation before resizing, as the exact pipeline does', async () => {
    const turned = await photo(1200, 600, 6); // stored landscape, shown portrait
    const apart = levelsApart(await tensorOf(turned, DEFAULT_PREPROCESSING, 'fast'), await tensorOf(turned, DEFAULT_PREPROCESSING));
    expect(apart.mean).toBeLessThan(0.5); // measured 0.08; ignoring the orientation gives 59
  });

  it('gives three channels for grey and transparent images, and the reason for a broken file', async () => {
    const grey = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 90, g: 90, b: 90 } } }).greyscale().jpeg().toBuffer();
    const tensor = await tensorOf(grey, DEFAULT_PREPROCESSING, 'fast');
    const plane = 224 * 224;
    for (let c = 0; c < 3; c++) expect(tensor[c * plane + 1000]).toBeCloseTo((90 / 255 - (MEAN[c] as number)) / (STD[c] as number), 1);
    const broken = (await photo(640, 480)).subarray(0, 2000);
    await expect(tensorOf(broken, DEFAULT_PREPROCESSING, 'fast')).rejects.toThrow(/corrupt or truncated jpeg/);
  });
});
