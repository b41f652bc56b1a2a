// IEEE 754 half precision, by hand: Node 22 has no Float16Array. Features are stored as float16
// (half the disk and page cache of float32; k-means and LOST need no more precision than that).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → float16 bits, rounding to nearest even; overflow gives ±Infinity. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: the value in units of 2^-24, with the implicit leading 1 made explicit.
    return sign | roundShift(mantissa | 0x800000, 14 - e);
  }
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  return sign | ((e << 10) + roundShift(mantissa, 13));
}

function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

/** Whether every value in [from, to) is finite and within float16's range, so that it is stored as a number. */
export function fitsFloat16(values: Float32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const value = values[i] as number;
    // a range test, which NaN (false in every comparison) fails too
    if (!(value >= -FLOAT16_MAX && value <= FLOAT16_MAX)) return false;
  }
  return true;
}

/** Encodes float32 values as little-endian float16 bytes. */
export function encodeHalf(values: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(toHalf(values[i] as number), i * 2);
  return out;
}

/** Decodes little-endian float16 bytes into `out` (allocated if not given). */
export function decodeHalf(bytes: Uint8Array, out = new Float32Array(bytes.length / 2)): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = fromHalf(view.getUint16(i * 2, true));
  return out;
}
