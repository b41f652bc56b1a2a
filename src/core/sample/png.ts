// Samples in [−1, 1] (planar [B, C, H, W]) to PNG files' bytes, one per image, with the trainer's
// scale, round((x + 1)·127.5) (ties may round differently: Math.round vs round-half-even).
import sharp from 'sharp';

export interface ImageShape {
  batch: number;
  channels: number;
  height: number;
  width: number;
}

export function toInterleavedBytes(samples: Float32Array, shape: ImageShape, index: number): Uint8Array {
  const { channels, height, width } = shape;
  const plane = height * width;
  const offset = index * channels * plane;
  const out = new Uint8Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) {
      const v = Math.min(1, Math.max(-1, samples[offset + c * plane + p] as number));
      out[p * channels + c] = Math.round((v + 1) * 127.5);
    }
  }
  return out;
}

export async function samplesToPngs(samples: Float32Array, shape: ImageShape): Promise<Buffer[]> {
  const { batch, channels, height, width } = shape;
  if (samples.length !== batch * channels * height * width) {
    throw new RangeError(`${samples.length} values do not make ${batch} images of ${channels}×${height}×${width}`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`PNG output needs 1 or 3 channels, got ${channels}`);
  return Promise.all(
    Array.from({ length: batch }, (_, i) => {
      const image = sharp(toInterleavedBytes(samples, shape, i), { raw: { width, height, channels } });
      // without it, sharp writes one-channel input as an RGB PNG
      return (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
    }),
  );
}

/** All images of a batch side by side in one PNG (the live preview of a batch). */
export async function samplesToStripPng(samples: Float32Array, shape: ImageShape): Promise<Buffer> {
  const { batch, channels, height, width } = shape;
  if (channels !== 1 && channels !== 3) throw new RangeError(`PNG output needs 1 or 3 channels, got ${channels}`);
  const rowBytes = width * channels;
  const strip = new Uint8Array(batch * rowBytes * height);
  for (let i = 0; i < batch; i++) {
    const image = toInterleavedBytes(samples, shape, i);
    for (let y = 0; y < height; y++) strip.set(image.subarray(y * rowBytes, (y + 1) * rowBytes), (y * batch + i) * rowBytes);
  }
  const png = sharp(strip, { raw: { width: width * batch, height, channels } });
  return (channels === 1 ? png.toColourspace('b-w') : png).png().toBuffer();
}
