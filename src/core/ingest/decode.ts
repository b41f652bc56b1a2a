// Decodes an image file once: validates every byte of it, reads its size and orientation, and
// produces the cached thumbnail from the same decode.
import sharp, { type Sharp } from 'sharp';
import decodeHeic from 'heic-decode';
import bmp from 'bmp-js';
import { type ImageFormat, sniffFormat } from './formats.ts';

export interface DecodeOptions {
  maxPixels: number;
  thumbnailSize: number;
}

export interface DecodedImage {
  format: ImageFormat;
  /** Size as displayed, i.e. after EXIF orientation is applied. */
  width: number;
  height: number;
  orientation: number | null;
  thumbnail: Buffer;
}

/** A file that is not a usable image; `message` is shown to the user as the reason. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

export async function decodeImage(bytes: Buffer, options: DecodeOptions): Promise<DecodedImage> {
  const { format, pixels: source } = await openImage(bytes, options.maxPixels);
  const meta = await source.metadata().catch(async (error: unknown) => {
    if (isSharpPixelLimit(error)) await checkHeaderPixelLimit(bytes, options.maxPixels);
    throw new DecodeError(`corrupt ${format} header: ${firstLine(error)}`);
  });
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new DecodeError(`${format} without dimensions`);
  checkPixelLimit(width, height, options.maxPixels);
  try {
    const thumbnail = await source
      .resize(options.thumbnailSize, options.thumbnailSize, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#808080' })
      .jpeg({ quality: 80 })
      .toBuffer();
    return { format, width, height, orientation: meta.orientation ?? null, thumbnail };
  } catch (error) {
    throw new DecodeError(`corrupt or truncated ${format}: ${firstLine(error)}`);
  }
}

/** Identifies a file's format and opens its pixels (EXIF orientation applied) as a sharp pipeline. */
export async function openImage(bytes: Buffer, maxPixels: number): Promise<{ format: ImageFormat; pixels: Sharp }> {
  if (bytes.length === 0) throw new DecodeError('empty file (0 bytes)');
  const format = sniffFormat(bytes);
  if (!format) throw new DecodeError('not an image (unrecognised content)');
  return { format, pixels: await openPixels(bytes, format, maxPixels) };
}

/** Returns a sharp pipeline over the image's pixels; formats sharp lacks are decoded here first. */
async function openPixels(bytes: Buffer, format: ImageFormat, maxPixels: number): Promise<Sharp> {
  const fromRaw = (data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4) => {
    checkPixelLimit(width, height, maxPixels);
    return sharp(data, { raw: { width, height, channels } });
  };
  try {
    if (format === 'heic') {
      // sharp's prebuilt libheif has no HEVC decoder (patents); heic-decode is libheif in wasm.
      const image = await decodeHeic({ buffer: bytes });
      return fromRaw(image.data, image.width, image.height, 4);
    }
    if (format === 'bmp') {
      const image = bmp.decode(bytes);
      return fromRaw(abgrToRgb(image.data), image.width, image.height, 3);
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`corrupt ${format}: ${firstLine(error)}`);
  }
  // failOn 'truncated' rejects cut-off files but tolerates harmless warnings (odd EXIF, padding).
  return sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels, autoOrient: true, animated: false });
}

/** sharp's own refusal (its `limitInputPixels`), which names neither the size nor the limit. */
function isSharpPixelLimit(error: unknown): boolean {
  return error instanceof Error && /exceeds pixel limit/i.test(error.message);
}

/** Reads the header again without sharp's limit, to report the image's size against ours. */
async function checkHeaderPixelLimit(bytes: Buffer, maxPixels: number): Promise<never> {
  const meta = await sharp(bytes, { limitInputPixels: false, animated: false })
    .metadata()
    .catch(() => null);
  if (meta?.width && meta.height) checkPixelLimit(meta.width, meta.height, maxPixels);
  throw new DecodeError(`over the pixel limit (> ${maxPixels.toLocaleString('en')} pixels)`);
}

function checkPixelLimit(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new DecodeError(`over the pixel limit (${width}×${height} > ${maxPixels.toLocaleString('en')} pixels)`);
  }
}

/** bmp-js yields 4 bytes per pixel in A, B, G, R order. */
function abgrToRgb(abgr: Uint8Array): Uint8Array {
  const rgb = new Uint8Array((abgr.length / 4) * 3);
  for (let src = 0, dst = 0; src < abgr.length; src += 4, dst += 3) {
    rgb[dst] = abgr[src + 3] as number;
    rgb[dst + 1] = abgr[src + 2] as number;
    rgb[dst + 2] = abgr[src + 1] as number;
  }
  return rgb;
}

export function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0] ?? 'unknown error';
}
