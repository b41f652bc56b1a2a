// Bilinear resize of 8-bit RGB exactly as Pillow's Image.resize(size, BILINEAR) computes it: a
// triangle filter widened by the scale when shrinking (antialiasing), pixel centres aligned, 22-bit
// fixed-point weights, horizontal pass then vertical, each rounded to 8 bits. DINO's reference
// pipeline (torchvision Resize on PIL images) resizes this way; libvips' linear kernel does not.
// Weights are non-negative and sum to 2^22, so every sum fits in an int32: the loops use int math.

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

interface Coefficients {
  /** First input index per output index. */
  start: Int32Array;
  /** Number of taps per output index. */
  taps: Int32Array;
  /** `width` fixed-point weights per output index. */
  weights: Int32Array;
  width: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1). */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const width = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const taps = new Int32Array(outSize);
  const weights = new Int32Array(outSize * width);
  const k = new Float64Array(width);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < count; x++) {
      const w = Math.max(0, 1 - Math.abs((x + xmin - center + 0.5) / filterScale));
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < count; x++) {
      const normalized = total === 0 ? 0 : (k[x] as number) / total;
      weights[xx * width + x] = Math.trunc(normalized < 0 ? -0.5 + normalized * ONE : 0.5 + normalized * ONE);
    }
    start[xx] = xmin;
    taps[xx] = count;
  }
  return { start, taps, weights, width };
}

function clip8(sum: number): number {
  const value = sum >> PRECISION_BITS;
  return value > 255 ? 255 : value;
}

/** Resizes packed RGB (3 bytes per pixel) from inW×inH to outW×outH. */
export function resizeBilinearRgb(input: Uint8Array, inW: number, inH: number, outW: number, outH: number): Uint8Array {
  let pixels = input;
  let width = inW;
  if (outW !== inW) {
    const c = coefficients(inW, outW);
    const out = new Uint8Array(outW * inH * 3);
    for (let y = 0; y < inH; y++) {
      const row = y * inW * 3;
      for (let x = 0; x < outW; x++) {
        let r = HALF, g = HALF, b = HALF;
        const base = x * c.width;
        for (let t = 0, at = row + (c.start[x] as number) * 3; t < (c.taps[x] as number); t++, at += 3) {
          const w = c.weights[base + t] as number;
          r = (r + Math.imul(pixels[at] as number, w)) | 0;
          g = (g + Math.imul(pixels[at + 1] as number, w)) | 0;
          b = (b + Math.imul(pixels[at + 2] as number, w)) | 0;
        }
        const o = (y * outW + x) * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    pixels = out;
    width = outW;
  }
  if (outH === inH) return pixels === input ? input.slice() : pixels;
  const c = coefficients(inH, outH);
  const out = new Uint8Array(width * outH * 3);
  const stride = width * 3;
  // Whole input rows are accumulated into one output row: sequential memory access.
  const sums = new Int32Array(stride);
  for (let y = 0; y < outH; y++) {
    sums.fill(HALF);
    for (let t = 0; t < (c.taps[y] as number); t++) {
      const w = c.weights[y * c.width + t] as number;
      const row = ((c.start[y] as number) + t) * stride;
      for (let i = 0; i < stride; i++) sums[i] = ((sums[i] as number) + Math.imul(pixels[row + i] as number, w)) | 0;
    }
    for (let i = 0; i < stride; i++) out[y * stride + i] = clip8(sums[i] as number);
  }
  return out;
}
