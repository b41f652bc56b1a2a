import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { samplesToPngs } from '../../src/core/sample/png.ts';

const decode = async (png: Buffer) => sharp(png).raw().toBuffer({ resolveWithObject: true });

describe('samples to PNG', () => {
  it('maps [−1, 1] to 0…255 and interleaves planar RGB', async () => {
    // 2 images of 3×1×2 (C, H, W); image 1 is planar R = [−1, 1], G = [0, 0.5], B = [2, −2] (clamped)
    const samples = Float32Array.from([0, 0, 0, 0, 0, 0, -1, 1, 0, 0.5, 2, -2]);
    const pngs = await samplesToPngs(samples, { batch: 2, channels: 3, height: 1, width: 2 });
    expect(pngs).toHaveLength(2);
    const { data, info } = await decode(pngs[1]!);
    expect([info.width, info.height, info.channels]).toEqual([2, 1, 3]);
    expect([...data]).toEqual([0, 128, 255, 255, 191, 0]);
  });

  it('writes single-channel samples as grey PNGs', async () => {
    const pngs = await samplesToPngs(Float32Array.from([-1, 0, 1, 0.25]), { batch: 1, channels: 1, height: 2, width: 2 });
    expect((await sharp(pngs[0]!).metadata()).channels).toBe(1);
    const grey = await sharp(pngs[0]!).extractChannel(0).raw().toBuffer();
    expect([...grey]).toEqual([0, 128, 255, 159]);
  });

  it('refuses a tensor that does not match the shape', async () => {
    await expect(samplesToPngs(new Float32Array(5), { batch: 1, channels: 1, height: 2, width: 2 })).rejects.toThrow(RangeError);
  });
});
