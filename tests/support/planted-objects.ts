// Images with one planted bright square on a flat dark background: where LOST's box must land.
import sharp from 'sharp';
import type { PixelBox } from '../../src/shared/boxes.ts';

export interface PlantedImage {
  name: string;
  width: number;
  height: number;
  object: PixelBox;
}

export const BACKGROUND = 60;
export const OBJECT = 240;

export function plantedPixels(image: PlantedImage): Buffer {
  const { width, height, object } = image;
  const [x0, y0, x1, y1] = object;
  const rgb = Buffer.alloc(width * height * 3, BACKGROUND);
  for (let y = y0; y < y1; y++) rgb.fill(OBJECT, (y * width + x0) * 3, (y * width + x1) * 3);
  return rgb;
}

export function writePlanted(image: PlantedImage, file: string): Promise<unknown> {
  return sharp(plantedPixels(image), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(file);
}
