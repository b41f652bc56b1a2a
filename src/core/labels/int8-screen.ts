// A cheap first look at the k-means distance step: the scores ‖c‖² − 2·x·c of a row against every
// centroid from an 8-bit integer matrix product (ONNX Runtime's MatMulIntegerToFloat, VNNI/AMX on
// x86: several times the float32 GEMM's rate), with a proven bound on how far each score can be from
// the exact one. Where a row's best centroid beats its runner-up by more than the bounds allow, that
// row's assignment is certain; the rest go to the float32 step. Nothing here is approximate in what
// it decides: quantization only decides how many rows need the exact step.
import * as ort from 'onnxruntime-node';
import { chunkRows } from './distance-step.ts';
import { floatTensor, graphSession } from './graph-session.ts';
import { SCORES_OUTPUT, rowSource, type LowestTwo } from './lowest-two.ts';
import { sharedFloats, type Matrix } from './matrix.ts';
import { ELEM_FLOAT, ELEM_INT8, ELEM_UINT8, type OnnxGraph } from './onnx-proto.ts';
import type { Refinement } from './refine-kernel.ts';
import { sumOfSquaresNodes } from './row-sums.ts';
import { lowestTwoInParallel, rowwiseInParallel } from './scoring-pool.ts';

const SCREEN_GRAPH: OnnxGraph = {
  name: 'selfguide-int8-scores',
  inputs: [
    { name: 'qx', elemType: ELEM_UINT8, shape: ['n', 'd'] },
    { name: 'qc', elemType: ELEM_INT8, shape: ['d', 'k'] },
    { name: 'x_scale', elemType: ELEM_FLOAT, shape: [] },
    { name: 'c_scale', elemType: ELEM_FLOAT, shape: ['k'] },
    { name: 'x_zero', elemType: ELEM_UINT8, shape: [] },
  ],
  outputs: [SCORES_OUTPUT],
  nodes: [
    // (qx − x_zero)·qc · x_scale · c_scale, with c_scale = −2·(centroid's step) and x_scale 1: the
    // product takes one step for all rows, so each row's own step and ‖c‖² are applied by the
    // reduction (lowest-two-kernel.ts), giving the score ‖c‖² − 2·x̃·c̃
    { op: 'MatMulIntegerToFloat', domain: 'com.microsoft', inputs: ['qx', 'qc', 'x_scale', 'c_scale', 'x_zero'], outputs: ['scores'] },
  ],
};

/** The rows of a matrix as unsigned 8-bit codes with a step per row and one zero point, and each row's error. */
export interface QuantizedRows {
  codes: Uint8Array;
  cols: number;
  /** per row (largest |value| / levels, in float32): a row's codes span the whole range */
  steps: Float32Array;
  zero: number;
  /** ‖x − x̃‖ per row (x̃ = step·(code − zero)) */
  error: Float64Array;
  /** ‖x̃‖ per row */
  norm: Float64Array;
  /** ‖x‖ per row (float32 sum; the bounds of the pruned Lloyd step need it whether or not it screens) */
  length: Float64Array;
}

export interface QuantizedCentroids {
  /** d × k, centroid j's codes in column j */
  codesT: Int8Array;
  /** −2 × each centroid's step: the product then gives −2·x̃·c̃ */
  scale: Float32Array;
  normSq: Float32Array;
  /** max ‖c‖ and max ‖c − c̃‖ over the centroids */
  maxNorm: number;
  maxError: number;
  /** ‖c‖ and ‖c − c̃‖ of each centroid */
  norms: Float64Array;
  errors: Float64Array;
}

/** Centroids quantized before an update, and how far each moved in it (0: the same values). */
export interface EarlierCentroids {
  quantized: QuantizedCentroids;
  drift: Float64Array;
}

// Codes of x span 1..255 around 128 where the integer kernel is exact for such codes, else 1..127
// around 64: x86 kernels without VNNI sum pairs of u8·s8 products in int16 and would saturate.
let xRange: Promise<{ zero: number; levels: number }> | undefined;

async function exactXRange(): Promise<{ zero: number; levels: number }> {
  try {
    const session = await graphSession(SCREEN_GRAPH, 1); // the same session the scoring loop uses
    const d = 64;
    const out = await session.run({
      qx: new ort.Tensor('uint8', new Uint8Array(d).fill(255), [1, d]),
      qc: new ort.Tensor('int8', Int8Array.from({ length: 2 * d }, (_, i) => (i % 2 === 0 ? 127 : -127)), [d, 2]),
      x_scale: floatTensor(Float32Array.of(1), []),
      c_scale: floatTensor(Float32Array.of(1, 1), [2]),
      x_zero: new ort.Tensor('uint8', Uint8Array.of(0), []),
    });
    const [up, down] = out.scores?.data as Float32Array; // the columns of +127 and of −127
    const exact = 255 * 127 * d;
    return up === exact && down === -exact ? { zero: 128, levels: 127 } : { zero: 64, levels: 63 };
  } catch {
    return { zero: 0, levels: 0 }; // no integer kernel in this build: screening is off
  }
}

/** Whether this ONNX Runtime build has an integer product to screen with. */
export async function screeningAvailable(): Promise<boolean> {
  xRange ??= exactXRange();
  return (await xRange).levels > 0;
}

const MAX_ABS_GRAPH: OnnxGraph = {
  name: 'selfguide-max-abs',
  inputs: [{ name: 'x', elemType: ELEM_FLOAT, shape: ['n', 'd'] }],
  outputs: [{ name: 'max_abs', elemType: ELEM_FLOAT, shape: ['n'] }],
  nodes: [
    { op: 'Abs', inputs: ['x'], outputs: ['abs'] },
    { op: 'ReduceMax', inputs: ['abs'], outputs: ['max_abs'], attrs: { axes: [1], keepdims: 0 } },
  ],
};

// Codes, and in float32 the squared norms the bounds need: ‖x − x̃‖², ‖x̃‖², ‖x‖².
const QUANTIZE_GRAPH: OnnxGraph = {
  name: 'selfguide-quantize-rows',
  inputs: [
    { name: 'x', elemType: ELEM_FLOAT, shape: ['n', 'd'] },
    { name: 'step', elemType: ELEM_FLOAT, shape: ['n'] },
    { name: 'zero', elemType: ELEM_UINT8, shape: ['n'] },
  ],
  outputs: [
    { name: 'codes', elemType: ELEM_UINT8, shape: ['n', 'd'] },
    { name: 'error_sq', elemType: ELEM_FLOAT, shape: ['n'] },
    { name: 'approx_sq', elemType: ELEM_FLOAT, shape: ['n'] },
    { name: 'length_sq', elemType: ELEM_FLOAT, shape: ['n'] },
  ],
  nodes: [
    // per row: step and zero along axis 0
    { op: 'QuantizeLinear', inputs: ['x', 'step', 'zero'], outputs: ['codes'], attrs: { axis: 0 } },
    { op: 'DequantizeLinear', inputs: ['codes', 'step', 'zero'], outputs: ['approx'], attrs: { axis: 0 } },
    { op: 'Sub', inputs: ['x', 'approx'], outputs: ['residual'] },
    ...sumOfSquaresNodes('residual', 'error_sq', 0),
    ...sumOfSquaresNodes('approx', 'approx_sq', 0),
    ...sumOfSquaresNodes('x', 'length_sq', 0),
  ],
};

// Rows per quantization call: the graph's six intermediate tensors of a chunk stay in cache (384-wide
// rows, one thread: 3.7 ms per 4,096 rows in chunks of 4,096, 2.2 ms in chunks of 512–1,024).
const QUANTIZE_CHUNK = 1024;

// Rows are quantized once per matrix, then reused by every iteration and restart.
const quantizedCache = new WeakMap<Float32Array, QuantizedRows>();

/**
 * x as 8-bit codes, each row with its own step (its largest |value| / levels: a row of small values
 * is not quantized as coarsely as the largest row, which tightens its screening bound), and its
 * per-row norms. The norms come from float32 sums, so each is widened by far more than their
 * rounding can be (relative 1e-3 and 2⁻²² of ‖x̃‖ for the error, whose x̃ float32 DequantizeLinear
 * rounds), keeping the bounds proven.
 */
export async function quantizeRows(x: Matrix): Promise<QuantizedRows> {
  const cached = quantizedCache.get(x.data);
  if (cached) return cached;
  xRange ??= exactXRange();
  const { zero, levels } = await xRange;
  const { data, rows, cols } = x;
  const inputs = [{ name: 'x', data, width: cols }];
  const perRow = (name: string) => ({ name, type: 'float32' as const, width: 1, vector: true });
  const { max_abs: rowMaxAbs } = await rowwiseInParallel({ graph: MAX_ABS_GRAPH, rows, chunk: QUANTIZE_CHUNK, inputs, fixed: {} }, [perRow('max_abs')]);
  // Float32 steps (a Float32Array rounds them), as ORT reads them, so that step·(code − zero) is
  // exactly the value the screen uses; in shared memory, for the scoring threads.
  const steps = sharedFloats(rows); // filled in place: a typed array's map() would not be shared
  for (let row = 0; row < rows; row++) {
    const maxAbs = (rowMaxAbs as Float32Array)[row] as number;
    steps[row] = maxAbs > 0 && levels > 0 ? maxAbs / levels : 1;
  }
  const zeros = new Uint8Array(rows).fill(zero);
  const quantizeInputs = [...inputs, { name: 'step', data: steps, width: 1, vector: true }, { name: 'zero', data: zeros, width: 1, vector: true }];
  const out = await rowwiseInParallel({ graph: QUANTIZE_GRAPH, rows, chunk: QUANTIZE_CHUNK, inputs: quantizeInputs, fixed: {} }, [
    { name: 'codes', type: 'uint8', width: cols },
    perRow('error_sq'),
    perRow('approx_sq'),
    perRow('length_sq'),
  ]);
  const codes = out.codes as Uint8Array; // in shared memory, for the screens on every scoring thread
  const [errorSq, approxSq, lengthSq] = [out.error_sq, out.approx_sq, out.length_sq] as [Float32Array, Float32Array, Float32Array];
  const [error, norm, length] = [new Float64Array(rows), new Float64Array(rows), new Float64Array(rows)];
  for (let i = 0; i < rows; i++) {
    norm[i] = Math.sqrt(approxSq[i] as number) * (1 + 1e-3);
    error[i] = Math.sqrt(errorSq[i] as number) * (1 + 1e-3) + 2 ** -22 * (norm[i] as number);
    length[i] = Math.sqrt(lengthSq[i] as number);
  }
  const result = { codes, cols, steps, zero, error, norm, length };
  quantizedCache.set(x.data, result);
  return result;
}

/**
 * Each centroid as signed 8-bit codes (−127..127) with its own step. A centroid that did not move
 * since `earlier` keeps its codes (after the first iterations most do not, and this runs every pass).
 */
export function quantizeCentroids(c: Matrix, earlier?: EarlierCentroids): QuantizedCentroids {
  const { data, rows: k, cols: d } = c;
  const kept = earlier?.quantized;
  const codesT = kept ? kept.codesT.slice() : new Int8Array(d * k);
  const scale = kept ? kept.scale.slice() : new Float32Array(k);
  const normSq = kept ? kept.normSq.slice() : new Float32Array(k);
  const norms = kept ? kept.norms.slice() : new Float64Array(k);
  const errors = kept ? kept.errors.slice() : new Float64Array(k);
  for (let j = 0; j < k; j++) {
    if (earlier?.drift[j] === 0) continue;
    let maxAbs = 0;
    let sq = 0;
    for (let t = j * d; t < (j + 1) * d; t++) {
      const value = data[t] as number;
      maxAbs = Math.max(maxAbs, Math.abs(value));
      sq += value * value;
    }
    const step = maxAbs > 0 ? Math.fround(maxAbs / 127) : 1;
    let errorSq = 0;
    for (let t = 0; t < d; t++) {
      const value = data[j * d + t] as number;
      // floor(v + ½), Math.round's own definition, written out: V8 runs Math.round 3× slower here
      const level = Math.max(-127, Math.min(127, Math.floor(value / step + 0.5)));
      codesT[t * k + j] = level;
      errorSq += (value - level * step) ** 2;
    }
    scale[j] = -2 * step;
    normSq[j] = sq;
    norms[j] = Math.sqrt(sq);
    errors[j] = Math.sqrt(errorSq);
  }
  let [maxNorm, maxError] = [0, 0];
  for (let j = 0; j < k; j++) {
    maxNorm = Math.max(maxNorm, norms[j] as number);
    maxError = Math.max(maxError, errors[j] as number);
  }
  return { codesT, scale, normSq, maxNorm, maxError, norms, errors };
}

/**
 * A bound on |score − (‖c‖² − 2·x·c)| for each listed row and any centroid, into `out`: the
 * quantization error by Cauchy–Schwarz, |x·c − x̃·c̃| ≤ ‖x − x̃‖·‖c‖ + ‖x̃‖·‖c − c̃‖, plus a generous
 * allowance for the float32 scaling and bias addition (the integer sum itself is exact). One loop
 * with the centroids' terms taken out: it runs for every screened row of every pass.
 */
export function screenBounds(q: QuantizedRows, c: QuantizedCentroids, rows: Int32Array, out: Float64Array): void {
  const { norm: norms, error: errors, length: lengths } = q;
  const [maxNorm, maxError] = [c.maxNorm, c.maxError];
  const [reach, normSq] = [maxNorm + maxError, maxNorm * maxNorm];
  const lengthShare = (q.cols + 4) * 2 ** -22;
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j] as number;
    const norm = norms[row] as number;
    const length = lengths[row] as number;
    const quantization = 2 * ((errors[row] as number) * maxNorm + norm * maxError);
    // float32 scaling and bias of the scores, and the float32 ‖x‖² the bounds add to them
    const rounding = 2 ** -19 * (norm * reach + normSq) + lengthShare * (length * length);
    out[j] = (quantization + rounding) * (1 + 1e-9);
  }
}

/**
 * Lowest and second-lowest screening score (‖c‖² − 2·x̃·c̃) of the listed rows, with the nearest's
 * index; with `refine`, the rows it leaves undecided are refined in the same pass (refine-kernel.ts).
 */
export function screenRows(q: QuantizedRows, c: QuantizedCentroids, rows: Int32Array, refine?: Refinement): Promise<LowestTwo> {
  const k = c.scale.length;
  const d = q.cols;
  const fixed = {
    qc: new ort.Tensor('int8', c.codesT, [d, k]),
    x_scale: floatTensor(Float32Array.of(1), []),
    c_scale: floatTensor(c.scale, [k]),
    x_zero: new ort.Tensor('uint8', Uint8Array.of(q.zero), []),
  };
  const pass = { chunk: chunkRows(k), columns: k, rowScale: q.steps, columnBias: c.normSq, ...(refine && { refine }) };
  return lowestTwoInParallel(SCREEN_GRAPH, rowSource('qx', q.codes, d), rows, fixed, pass);
}
