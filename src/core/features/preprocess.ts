// SPEC §1 image-level preprocessing: decode (any format the scan accepts, EXIF orientation applied),
// RGB (alpha dropped, grey replicated), bilinear resize to the model's size as Pillow does it (aspect
// not kept, small images upsampled), scale to [0, 1], normalize with mean/std, planar CHW float32.
import type { Preprocessing } from '../../shared/models.ts';
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
): Promise<void> {
  const { format, pixels } = await openImage(bytes, maxPixels);
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await pixels.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DecodeError(`corrupt or truncated ${format}: ${firstLine(error)}`);
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 3) throw new DecodeError(`unexpected pixel layout (${channels} channels after conversion to RGB)`);
  const rgb = resizeBilinearRgb(decoded.data, width, height, pre.width, pre.height);
  const plane = pre.width * pre.height;
  const [r, g, b] = table as [Float32Array, Float32Array, Float32Array];
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[offset + i] = r[rgb[p] as number] as number;
    out[offset + plane + i] = g[rgb[p + 1] as number] as number;
    out[offset + 2 * plane + i] = b[rgb[p + 2] as number] as number;
  }
}
