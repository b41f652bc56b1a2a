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

/** Taps unrolled by hand below: the common downscales to ~224 px from up to ~1,000 px need no more. */
const UNROLLED_TAPS = 6;

/**
 * The same coefficients with UNROLLED_TAPS taps for every output: each window is moved left where it
 * would run past the input and padded with zero weights, so sums (and so pixels) are unchanged.
 * Null when some output needs more taps (or the input is narrower than that).
 */
function padded(c: Coefficients, inSize: number): { start: Int32Array; weights: Int32Array } | null {
  const outSize = c.start.length;
  if (inSize < UNROLLED_TAPS || c.taps.some((taps) => taps > UNROLLED_TAPS)) return null;
  const start = new Int32Array(outSize);
  const weights = new Int32Array(outSize * UNROLLED_TAPS);
  for (let x = 0; x < outSize; x++) {
    const first = Math.min(c.start[x] as number, inSize - UNROLLED_TAPS);
    start[x] = first;
    const shift = (c.start[x] as number) - first;
    for (let t = 0; t < (c.taps[x] as number); t++) weights[x * UNROLLED_TAPS + shift + t] = c.weights[x * c.width + t] as number;
  }
  return { start, weights };
}

/**
 * Horizontal pass, one output column at a time down all rows: its six weights stay in registers and
 * the loop body is straight-line code (≈ 25 % faster than looping over the taps per pixel).
 */
function horizontalUnrolled(input: Uint8Array, inW: number, inH: number, outW: number, k: { start: Int32Array; weights: Int32Array }): Uint8Array {
  const out = new Uint8ClampedArray(outW * inH * 3); // stores clamp at 255 (sums are never negative)
  const inStride = inW * 3;
  const outStride = outW * 3;
  for (let x = 0; x < outW; x++) {
    const w = x * UNROLLED_TAPS;
    const w0 = k.weights[w]!, w1 = k.weights[w + 1]!, w2 = k.weights[w + 2]!, w3 = k.weights[w + 3]!, w4 = k.weights[w + 4]!, w5 = k.weights[w + 5]!;
    for (let y = 0, at = k.start[x]! * 3, o = x * 3; y < inH; y++, at += inStride, o += outStride) {
      out[o] = (HALF + input[at]! * w0 + input[at + 3]! * w1 + input[at + 6]! * w2 + input[at + 9]! * w3 + input[at + 12]! * w4 + input[at + 15]! * w5) >> PRECISION_BITS;
      out[o + 1] = (HALF + input[at + 1]! * w0 + input[at + 4]! * w1 + input[at + 7]! * w2 + input[at + 10]! * w3 + input[at + 13]! * w4 + input[at + 16]! * w5) >> PRECISION_BITS;
      out[o + 2] = (HALF + input[at + 2]! * w0 + input[at + 5]! * w1 + input[at + 8]! * w2 + input[at + 11]! * w3 + input[at + 14]! * w4 + input[at + 17]! * w5) >> PRECISION_BITS;
    }
  }
  return new Uint8Array(out.buffer);
}

/** Vertical pass, one output row from six input rows in a single sweep. */
function verticalUnrolled(input: Uint8Array, width: number, outH: number, k: { start: Int32Array; weights: Int32Array }): Uint8Array {
  const stride = width * 3;
  const out = new Uint8ClampedArray(stride * outH);
  for (let y = 0; y < outH; y++) {
    const w = y * UNROLLED_TAPS;
    const w0 = k.weights[w]!, w1 = k.weights[w + 1]!, w2 = k.weights[w + 2]!, w3 = k.weights[w + 3]!, w4 = k.weights[w + 4]!, w5 = k.weights[w + 5]!;
    const r0 = k.start[y]! * stride;
    const r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride, r4 = r3 + stride, r5 = r4 + stride;
    for (let i = 0, o = y * stride; i < stride; i++, o++) {
      out[o] = (HALF + input[r0 + i]! * w0 + input[r1 + i]! * w1 + input[r2 + i]! * w2 + input[r3 + i]! * w3 + input[r4 + i]! * w4 + input[r5 + i]! * w5) >> PRECISION_BITS;
    }
  }
  return new Uint8Array(out.buffer);
}

function horizontal(pixels: Uint8Array, inW: number, inH: number, outW: number): Uint8Array {
  const c = coefficients(inW, outW);
  const unrolled = padded(c, inW);
  if (unrolled) return horizontalUnrolled(pixels, inW, inH, outW, unrolled);
  // Sums stay below 2^30 (weights sum to 2^22, pixels < 2^8), so plain arithmetic is exact; with the
  // arrays in locals this loop runs ≈ 17 % faster than the same one with Math.imul (camera-sized inputs).
  const out = new Uint8ClampedArray(outW * inH * 3); // stores clamp at 255 (sums are never negative)
  const { start, taps, weights, width } = c;
  for (let y = 0; y < inH; y++) {
    const row = y * inW * 3;
    for (let x = 0, o = y * outW * 3; x < outW; x++, o += 3) {
      let r = HALF, g = HALF, b = HALF;
      const n = taps[x]!;
      for (let t = 0, at = row + start[x]! * 3, k = x * width; t < n; t++, at += 3, k++) {
        const w = weights[k]!;
        r += pixels[at]! * w;
        g += pixels[at + 1]! * w;
        b += pixels[at + 2]! * w;
      }
      out[o] = r >> PRECISION_BITS;
      out[o + 1] = g >> PRECISION_BITS;
      out[o + 2] = b >> PRECISION_BITS;
    }
  }
  return new Uint8Array(out.buffer);
}

function vertical(pixels: Uint8Array, width: number, inH: number, outH: number): Uint8Array {
  const c = coefficients(inH, outH);
  const unrolled = padded(c, inH);
  if (unrolled) return verticalUnrolled(pixels, width, outH, unrolled);
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

/** Resizes packed RGB (3 bytes per pixel) from inW×inH to outW×outH. */
export function resizeBilinearRgb(input: Uint8Array, inW: number, inH: number, outW: number, outH: number): Uint8Array {
  const wide = outW === inW ? input : horizontal(input, inW, inH, outW);
  if (outH === inH) return wide === input ? input.slice() : wide;
  return vertical(wide, outW, inH, outH);
}
