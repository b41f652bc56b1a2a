// Test images written with sharp: one of every supported format plus the ways files go wrong.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';

export const HEIC_FIXTURE = fileURLToPath(new URL('../fixtures/quadrants-64x48.heic', import.meta.url));

/** An RGB image whose colour depends on `seed`, so different seeds give different files. */
export function pixels(width: number, height: number, seed: number): Sharp {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 53 + Math.floor(i / (width * 3)) * seed) % 256;
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/** A minimal uncompressed 24-bit BMP (sharp cannot write BMP). */
export function bmp(width: number, height: number, rgb: [number, number, number]): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + rowBytes * height);
  file.write('BM', 0, 'ascii');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(rowBytes * height, 34);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = 54 + y * rowBytes + x * 3;
      file[at] = rgb[2];
      file[at + 1] = rgb[1];
      file[at + 2] = rgb[0];
    }
  }
  return file;
}

export interface ExpectedImage {
  relPath: string;
  format: string;
  width: number;
  height: number;
}

/** Writes one valid image per supported format; returns what the scan should record for each. */
export async function writeEveryFormat(dir: string): Promise<ExpectedImage[]> {
  mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
  const expected: ExpectedImage[] = [
    { relPath: 'a.jpg', format: 'jpeg', width: 64, height: 40 },
    { relPath: 'b.png', format: 'png', width: 30, height: 20 },
    { relPath: 'c.webp', format: 'webp', width: 33, height: 17 },
    { relPath: 'nested/d.avif', format: 'avif', width: 32, height: 32 },
    { relPath: 'nested/e.tiff', format: 'tiff', width: 21, height: 13 },
    { relPath: 'nested/deeper/f.gif', format: 'gif', width: 16, height: 24 },
    { relPath: 'g.bmp', format: 'bmp', width: 10, height: 6 },
    { relPath: 'h.heic', format: 'heic', width: 64, height: 48 },
  ];
  await pixels(64, 40, 1).jpeg().toFile(join(dir, 'a.jpg'));
  await pixels(30, 20, 2).png().toFile(join(dir, 'b.png'));
  await pixels(33, 17, 3).webp().toFile(join(dir, 'c.webp'));
  await pixels(32, 32, 4).avif().toFile(join(dir, 'nested/d.avif'));
  await pixels(21, 13, 5).tiff().toFile(join(dir, 'nested/e.tiff'));
  await pixels(16, 24, 6).gif().toFile(join(dir, 'nested/deeper/f.gif'));
  writeFileSync(join(dir, 'g.bmp'), bmp(10, 6, [200, 30, 40]));
  copyFileSync(HEIC_FIXTURE, join(dir, 'h.heic'));
  return expected;
}

/** Writes files that must be recorded as broken; returns relPath → a fragment of the expected reason. */
export async function writeBrokenFiles(dir: string): Promise<Record<string, string>> {
  const jpeg = await pixels(200, 150, 9).jpeg({ quality: 95 }).toBuffer();
  writeFileSync(join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(join(dir, 'empty.jpg'), Buffer.alloc(0));
  writeFileSync(join(dir, 'notes.png'), 'this is a text file, not a picture\n');
  const png = await pixels(120, 90, 10).png().toBuffer();
  writeFileSync(join(dir, 'truncated.png'), png.subarray(0, Math.floor(png.length * 0.6)));
  return {
    'truncated.jpg': 'truncated',
    'empty.jpg': 'empty file',
    'notes.png': 'not an image',
    'truncated.png': 'png',
  };
}
