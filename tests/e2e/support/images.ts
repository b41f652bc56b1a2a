// Image folders written by the tests themselves, with known sizes, formats and defects.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export interface ValidImage {
  relPath: string;
  width: number;
  height: number;
  format: 'jpeg' | 'png';
}

/** A small picture (a few shapes on a gradient) so thumbnails are recognisable in a screenshot. */
function picture(width: number, height: number, hue: number): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},60%,35%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},70%,60%)"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.35}" cy="${height * 0.45}" r="${Math.min(width, height) * 0.22}" fill="hsl(${(hue + 180) % 360},80%,70%)"/>
    <rect x="${width * 0.55}" y="${height * 0.5}" width="${width * 0.3}" height="${height * 0.3}" fill="hsl(${(hue + 120) % 360},50%,20%)"/>
  </svg>`;
  return Buffer.from(svg);
}

async function writePicture(folder: string, image: ValidImage, hue: number): Promise<void> {
  const pipeline = sharp(picture(image.width, image.height, hue));
  const encoded = image.format === 'jpeg' ? pipeline.jpeg({ quality: 90 }) : pipeline.png();
  await mkdir(join(folder, image.relPath, '..'), { recursive: true });
  await encoded.toFile(join(folder, image.relPath));
}

export const BROKEN_FILES = {
  truncated: 'truncated.jpg',
  empty: 'empty.jpg',
  text: 'notes.png',
} as const;

export const DUPLICATE_PAIR = ['pair-a.jpg', 'copies/pair-b.jpg'] as const;

/**
 * Writes valid JPEGs and PNGs of distinct sizes, one pair of byte-identical files, a truncated JPEG,
 * a zero-byte .jpg and a text file named .png. Returns the valid images (the pair included).
 */
export async function writeMixedLibrary(folder: string): Promise<ValidImage[]> {
  const unique: ValidImage[] = [
    { relPath: 'aurora.jpg', width: 320, height: 240, format: 'jpeg' },
    { relPath: 'basalt.png', width: 200, height: 300, format: 'png' },
    { relPath: 'cedar.jpg', width: 413, height: 217, format: 'jpeg' },
    { relPath: 'dunes.png', width: 256, height: 256, format: 'png' },
    { relPath: 'nested/fjord.jpg', width: 640, height: 360, format: 'jpeg' },
  ];
  await Promise.all(unique.map((image, i) => writePicture(folder, image, i * 67)));

  const pair: ValidImage = { relPath: DUPLICATE_PAIR[0], width: 300, height: 200, format: 'jpeg' };
  await writePicture(folder, pair, 300);
  await mkdir(join(folder, 'copies'), { recursive: true });
  await copyFile(join(folder, DUPLICATE_PAIR[0]), join(folder, DUPLICATE_PAIR[1]));

  // Noise does not compress, so cutting the file in half cuts into the entropy-coded data.
  const noise = Buffer.alloc(400 * 300 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  const jpeg = await sharp(noise, { raw: { width: 400, height: 300, channels: 3 } }).jpeg().toBuffer();
  await writeFile(join(folder, BROKEN_FILES.truncated), jpeg.subarray(0, jpeg.length >> 1));
  await writeFile(join(folder, BROKEN_FILES.empty), Buffer.alloc(0));
  await writeFile(join(folder, BROKEN_FILES.text), 'these are notes, not pixels\n');

  return [...unique, pair, { ...pair, relPath: DUPLICATE_PAIR[1] }];
}

/** `count` distinct 16×16 PNGs named img-00000.png …, each a different flat colour. */
export async function writeManySmallPngs(folder: string, count: number): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `img-${String(i).padStart(5, '0')}.png`);
  const batch = 64;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      names.slice(start, start + batch).map((name, offset) => {
        const i = start + offset;
        const background = { r: i & 0xff, g: (i >> 8) & 0xff, b: 128 };
        return sharp({ create: { width: 16, height: 16, channels: 3, background } }).png().toFile(join(folder, name));
      }),
    );
  }
  return names;
}
