// SPEC §1 image-level preprocessing: decode (any format the scan accepts, EXIF orientation applied),
// RGB (alpha dropped, grey replicated), bilinear resize to the model's size as Pillow does it (aspect
// not kept, small images upsampled), scale to [0, 1], normalize with mean/std, planar CHW float32.
// An opt-in fast decode trades the exact pixels for speed on large JPEGs (DecodeMode in shared/models.ts).
import type { Sharp } from 'sharp';
import type { DecodeMode, Preprocessing } from '../../shared/models.ts';
import { DecodeError, firstLine, openImage } from '../ingest/decode.ts';
import { resizeBilinearRgb } from './resize-bilinear.ts';

/** Per channel, the normalized value of each byte 0..255, computed in float64 then rounded once. */
export function normalizationTable(pre: Preprocessing): Float32Array[] {
  return [0, 1, 2].map((c) =>
    Float32Array.from({ length: 256 }, (_, v) => (v * pre.scale - (pre.mean[c] as number)) / (pre.std[c] as number)),
  );
}

/** Decodes `bytes` and writes its 3×H×W tensor into `out` at `offset` (floats). */
export async function preprocessInto(
  bytes: Buffer,
  pre: Preprocessing,
  table: Float32Array[],
  maxPixels: number,
  out: Float32Array,
  offset: number,
  decode: DecodeMode = 'exact',
): Promise<void> {
  const rgb = decode === 'fast' ? await decodeResizedFast(bytes, pre, maxPixels) : await decodeResizedExact(bytes, pre, maxPixels);
  writeNormalizedPlanes(rgb, pre.width, pre.height, table, out, offset);
}

async function decodeResizedExact(bytes: Buffer, pre: Preprocessing, maxPixels: number): Promise<Uint8Array> {
  const { data, width, height } = await decodeRgb(bytes, maxPixels);
  return resizeBilinearRgb(data, width, height, pre.width, pre.height);
}

async function decodeResizedFast(bytes: Buffer, pre: Preprocessing, maxPixels: number): Promise<Uint8Array> {
  const { format, pixels } = await openImage(bytes, maxPixels);
  const resized = pixels.removeAlpha().toColourspace('srgb').resize(pre.width, pre.height, { fit: 'fill', kernel: 'linear' });
  return (await rgbBytes(format, resized)).data;
}

/** Decodes `bytes` to interleaved 8-bit RGB, upright (EXIF orientation applied), alpha dropped. */
export async function decodeRgb(bytes: Buffer, maxPixels: number): Promise<{ data: Buffer; width: number; height: number }> {
  const { format, pixels } = await openImage(bytes, maxPixels);
  return rgbBytes(format, pixels.removeAlpha().toColourspace('srgb'));
}

/** Runs a pipeline that ends in RGB to raw bytes; libvips' errors become the image's DecodeError. */
async function rgbBytes(format: string, pipeline: Sharp): Promise<{ data: Buffer; width: number; height: number }> {
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DecodeError(`corrupt or truncated ${format}: ${firstLine(error)}`);
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 3) throw new DecodeError(`unexpected pixel layout (${channels} channels after conversion to RGB)`);
  return { data: decoded.data, width, height };
}

/**
 * Writes interleaved RGB bytes (width×height) as normalized planar CHW floats into `out` at `offset`.
 * With a larger canvas (LOST's padded input) the image fills its top-left corner; the rest is left as it is.
 */
export function writeNormalizedPlanes(
  rgb: Uint8Array,
  width: number,
  height: number,
  table: Float32Array[],
  out: Float32Array,
  offset: number,
  canvas: { width: number; height: number } = { width, height },
): void {
  const plane = canvas.width * canvas.height;
  const [r, g, b] = table as [Float32Array, Float32Array, Float32Array];
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0, i = offset + y * canvas.width; x < width; x++, i++, p += 3) {
      out[i] = r[rgb[p] as number] as number;
      out[plane + i] = g[rgb[p + 1] as number] as number;
      out[2 * plane + i] = b[rgb[p + 2] as number] as number;
    }
  }
}
