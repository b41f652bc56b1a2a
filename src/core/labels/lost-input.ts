// LOST's input (SPEC §1): the image at (nearly) full resolution — the longer side scaled down to a cap,
// or up to a minimum for tiny images — normalized, then zero-padded bottom/right to whole patches; and
// the way back from a box on that input to pixels of the original image.
import { writeNormalizedPlanes } from '../features/preprocess.ts';
import { resizeBilinearRgb } from '../features/resize-bilinear.ts';
import type { PixelBox } from './lost.ts';

export interface LostInputSize {
  /** the image after scaling, in pixels */
  width: number;
  height: number;
  /** the padded input: whole patches */
  paddedWidth: number;
  paddedHeight: number;
  gridWidth: number;
  gridHeight: number;
}

export function lostInputSize(width: number, height: number, sides: { maxSide: number; minSide: number }, patchSize: number): LostInputSize {
  const longer = Math.max(width, height);
  const scale = longer > sides.maxSide ? sides.maxSide / longer : longer < sides.minSide ? sides.minSide / longer : 1;
  const scaledWidth = Math.max(1, Math.round(width * scale));
  const scaledHeight = Math.max(1, Math.round(height * scale));
  const gridWidth = Math.ceil(scaledWidth / patchSize);
  const gridHeight = Math.ceil(scaledHeight / patchSize);
  return { width: scaledWidth, height: scaledHeight, paddedWidth: gridWidth * patchSize, paddedHeight: gridHeight * patchSize, gridWidth, gridHeight };
}

/** The 3×paddedHeight×paddedWidth tensor: resized, normalized with `table`, zeros (after normalization) in the padding. */
export function lostInput(rgb: Uint8Array, width: number, height: number, size: LostInputSize, table: Float32Array[]): Float32Array {
  const resized = size.width === width && size.height === height ? rgb : resizeBilinearRgb(rgb, width, height, size.width, size.height);
  const tensor = new Float32Array(3 * size.paddedWidth * size.paddedHeight);
  writeNormalizedPlanes(resized, size.width, size.height, table, tensor, 0, { width: size.paddedWidth, height: size.paddedHeight });
  return tensor;
}

/**
 * A box on the scaled image back in original pixels, rounded outwards (so the box still covers what it
 * covered) and clipped to the image; never empty.
 */
export function boxToOriginal(box: PixelBox, scaled: { width: number; height: number }, original: { width: number; height: number }): PixelBox {
  const sx = original.width / scaled.width;
  const sy = original.height / scaled.height;
  const x0 = Math.min(original.width - 1, Math.max(0, Math.floor(box[0] * sx)));
  const y0 = Math.min(original.height - 1, Math.max(0, Math.floor(box[1] * sy)));
  const x1 = Math.max(x0 + 1, Math.min(original.width, Math.ceil(box[2] * sx)));
  const y1 = Math.max(y0 + 1, Math.min(original.height, Math.ceil(box[3] * sy)));
  return [x0, y0, x1, y1];
}

/** The pixels of `box` from interleaved RGB of the given width, as a new interleaved RGB array. */
export function cropRgb(rgb: Uint8Array, width: number, box: PixelBox): { data: Uint8Array; width: number; height: number } {
  const [x0, y0, x1, y1] = box;
  const [cropWidth, cropHeight] = [x1 - x0, y1 - y0];
  const data = new Uint8Array(cropWidth * cropHeight * 3);
  for (let y = 0; y < cropHeight; y++) data.set(rgb.subarray(((y0 + y) * width + x0) * 3, ((y0 + y) * width + x1) * 3), y * cropWidth * 3);
  return { data, width: cropWidth, height: cropHeight };
}
