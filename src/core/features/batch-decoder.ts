// Turns a batch of image files into one [B, 3, H, W] tensor. Files that cannot be read or decoded are
// left out and reported with their reason; the rest of the batch goes on. Two buffers alternate so
// the next batch can be decoded while the current one is being inferred.
import { readFile } from 'node:fs/promises';
import type { DecodeMode, Preprocessing } from '../../shared/models.ts';
import { DecodeError } from '../ingest/decode.ts';
import type { FeatureFailure, PendingImage } from './feature-index.ts';
import { normalizationTable, preprocessInto } from './preprocess.ts';

export interface DecodedBatch {
  images: PendingImage[];
  /** The images that decoded, in order; `pixels` holds exactly their tensors. */
  ready: PendingImage[];
  pixels: Float32Array;
  failed: FeatureFailure[];
}

export class BatchDecoder {
  private readonly pre: Preprocessing;
  private readonly table: Float32Array[];
  private readonly maxPixels: number;
  private readonly decodeMode: DecodeMode;
  private readonly buffers: Float32Array[];
  private turn = 0;

  constructor(pre: Preprocessing, batchSize: number, maxPixels: number, decodeMode: DecodeMode = 'exact') {
    this.pre = pre;
    this.table = normalizationTable(pre);
    this.maxPixels = maxPixels;
    this.decodeMode = decodeMode;
    this.buffers = [0, 1].map(() => new Float32Array(batchSize * this.imageFloats));
  }

  get imageFloats(): number {
    return 3 * this.pre.width * this.pre.height;
  }

  /** Decodes `images` into the next buffer; a buffer is reused two calls later, so keep at most two in use. */
  async decode(images: PendingImage[]): Promise<DecodedBatch> {
    const buffer = this.buffers[this.turn++ % 2] as Float32Array;
    const size = this.imageFloats;
    const outcomes = await Promise.all(
      images.map(async (image, slot) => {
        try {
          const bytes = await readFile(image.path);
          await preprocessInto(bytes, this.pre, this.table, this.maxPixels, buffer, slot * size, this.decodeMode);
          return null;
        } catch (error) {
          return { imageId: image.id, error: reason(error) };
        }
      }),
    );
    const ready: PendingImage[] = [];
    const failed: FeatureFailure[] = [];
    images.forEach((image, slot) => {
      const failure = outcomes[slot];
      if (failure) return void failed.push(failure);
      // Close the gaps left by failed images so the tensor is contiguous.
      if (ready.length !== slot) buffer.copyWithin(ready.length * size, slot * size, (slot + 1) * size);
      ready.push(image);
    });
    return { images, ready, pixels: buffer.subarray(0, ready.length * size), failed };
  }
}

function reason(error: unknown): string {
  if (error instanceof DecodeError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found (moved or deleted since the scan)';
  return `unreadable: ${error instanceof Error ? error.message : String(error)}`;
}
