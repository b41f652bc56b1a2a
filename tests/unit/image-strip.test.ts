import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeImageStrip } from '../../src/cli/demo/image-strip.ts';
import { tempDir } from '../support/temp.ts';

async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

describe('writeImageStrip', () => {
  const root = tempDir();

  it('places each image scaled to its cell, left to right, and outlines a box in scaled coordinates', async () => {
    mkdirSync(join(root, 'in'));
    const black = join(root, 'in', 'black.png');
    const white = join(root, 'in', 'white.png');
    await sharp({ create: { width: 28, height: 28, channels: 3, background: '#000000' } }).png().toFile(black);
    await sharp({ create: { width: 14, height: 7, channels: 3, background: '#ffffff' } }).png().toFile(white);
    const out = join(root, 'strip.png');
    await writeImageStrip([{ file: black, box: [7, 7, 21, 21] }, { file: white }], out, 56);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([56 * 2 + 4, 56]);
    expect(await pixel(out, 2, 2)).toEqual([0, 0, 0]); // black cell, outside the box
    expect(await pixel(out, 28, 15)).toEqual([255, 45, 85]); // the box's top edge: y0 = 7 → 14 px at 2×
    expect(await pixel(out, 28, 28)).toEqual([0, 0, 0]); // inside the box stays the image
    expect(await pixel(out, 58, 2)).toEqual([255, 255, 255]); // the gap
    expect(await pixel(out, 60 + 40, 50)).toEqual([255, 255, 255]); // white image stretched to its cell
  });

  it('refuses an empty strip', async () => {
    await expect(writeImageStrip([], join(root, 'empty.png'))).rejects.toThrow(/at least one image/);
  });
});
