// Segment maps on disk: a lossless RGB PNG in the fixed palette, so a person sees consistent colours
// and the ids come back exactly by looking each colour up in the same palette.
import sharp from 'sharp';
import { MAX_SEGMENTS, segmentColour } from './segment-palette.ts';

export async function encodeSegmentPng(map: Uint8Array, width: number, height: number): Promise<Buffer> {
  if (map.length !== width * height) throw new RangeError(`a ${width}×${height} map needs ${width * height} ids, got ${map.length}`);
  const rgb = Buffer.alloc(map.length * 3);
  map.forEach((id, i) => rgb.set(segmentColour(id), i * 3));
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
}

const colourKey = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;

const ID_BY_COLOUR = new Map(Array.from({ length: MAX_SEGMENTS }, (_, id) => [colourKey(...segmentColour(id)), id]));

export async function decodeSegmentPng(png: Buffer): Promise<{ map: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const map = new Uint8Array(info.width * info.height);
  for (let i = 0; i < map.length; i++) {
    const id = ID_BY_COLOUR.get(colourKey(data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!));
    if (id === undefined) throw new RangeError(`pixel ${i} has a colour outside the segment palette`);
    map[i] = id;
  }
  return { map, width: info.width, height: info.height };
}
