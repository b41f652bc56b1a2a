// The k-means distance step as one ONNX graph: squared distances ‖x‖² − 2·x·cᵀ + ‖c‖² from a single
// Gemm (alpha −2, ‖c‖² as its bias), then the nearest centroid per row (ArgMin, ReduceMin). Rows are
// fed in chunks so the N×K score matrix stays small whatever N is (1M × 5,000 would be 20 GB).
import { floatTensor } from './graph-session.ts';
import { SCORES_OUTPUT, type LowestTwo, type RowSource } from './lowest-two.ts';
import { lowestTwoInParallel, rowwiseInParallel } from './scoring-pool.ts';
import { ELEM_FLOAT, ELEM_INT32, ELEM_INT64, type OnnxGraph } from './onnx-proto.ts';
import type { Matrix } from './matrix.ts';
import { sumOfSquaresNodes } from './row-sums.ts';
import type { RowColumn } from './rowwise-graph.ts';

/** `output` = ‖x‖² − 2·x·cᵀ + ‖c‖²: one Gemm (alpha −2, ‖c‖² as its bias) and a broadcast Add. */
function squaredDistanceNodes(output: string) {
  return [
    ...sumOfSquaresNodes('x', 'x_sq', 1),
    ...sumOfSquaresNodes('c', 'c_sq', 0),
    { op: 'Gemm', inputs: ['x', 'c', 'c_sq'], outputs: ['partial'], attrs: { alpha: { float: -2 }, beta: { float: 1 }, transB: 1 } },
    { op: 'Add', inputs: ['partial', 'x_sq'], outputs: [output] },
  ];
}

const DISTANCE_GRAPH: OnnxGraph = {
  name: 'selfguide-squared-distances',
  inputs: [
    { name: 'x', elemType: ELEM_FLOAT, shape: ['n', 'd'] },
    { name: 'c', elemType: ELEM_FLOAT, shape: ['k', 'd'] },
  ],
  outputs: [
    { name: 'distances', elemType: ELEM_FLOAT, shape: ['n', 'k'] },
    { name: 'assignment', elemType: ELEM_INT64, shape: ['n'] },
    { name: 'distance', elemType: ELEM_FLOAT, shape: ['n'] },
  ],
  nodes: [
    ...squaredDistanceNodes('distances'),
    { op: 'ArgMin', inputs: ['distances'], outputs: ['assignment'], attrs: { axis: 1, keepdims: 0 } },
    // Rounding can make a squared distance slightly negative; clamp at zero.
    { op: 'ReduceMin', inputs: ['distances'], outputs: ['nearest_raw'], attrs: { axes: [1], keepdims: 0 } },
    { op: 'Relu', inputs: ['nearest_raw'], outputs: ['distance'] },
  ],
};

// The same float32 arithmetic as DISTANCE_GRAPH (so the same argmin for a row), reduced to the lowest
// two by lowest-two-kernel.ts.
const LOWEST_TWO_GRAPH: OnnxGraph = {
  name: 'selfguide-lowest-two-distances',
  inputs: DISTANCE_GRAPH.inputs,
  outputs: [SCORES_OUTPUT],
  nodes: squaredDistanceNodes('scores'),
};

/**
 * Squared distances of the listed rows (ascending) of x to their nearest and second-nearest centroid,
 * and the nearest's index, in float32 exactly as `nearestCentroids` computes them.
 */
export function lowestTwoDistances(x: RowSource, centroids: Matrix, rows: Int32Array): Promise<LowestTwo> {
  const c = floatTensor(centroids.data, [centroids.rows, centroids.cols]);
  return lowestTwoInParallel(LOWEST_TWO_GRAPH, x, rows, { c }, { chunk: chunkRows(centroids.rows), columns: centroids.rows });
}

const SCORE_CHUNK_BYTES = 524_288;

/**
 * Rows per ORT call: few enough that a chunk's N×K scores (≈ 512 KB) stay in a core's L2 cache
 * while the reductions after the product read them again, at most 4,096 so the rows themselves stay
 * small too, and at least 256 so a call's fixed cost stays small against its product. bench/labels:
 * 100k × 384, K = 100 took 1.73 s in one chunk per pass, 1.34–1.38 s in chunks of 1–2k rows.
 */
export function chunkRows(k: number): number {
  return Math.min(4096, Math.max(256, Math.floor(SCORE_CHUNK_BYTES / 4 / Math.max(1, k))));
}

export interface NearestCentroids {
  /** index of the nearest centroid per row (ties: lowest index, as ArgMin) */
  assignment: Int32Array;
  /** squared Euclidean distance to it */
  distance: Float32Array;
}

/** x's rows and the centroids as the inputs of a distance graph. */
function distanceRun(graph: OnnxGraph, x: Matrix, centroids: Matrix, chunk = chunkRows(centroids.rows), more: RowColumn[] = []) {
  const c = floatTensor(centroids.data, [centroids.rows, centroids.cols]);
  return { graph, rows: x.rows, chunk, inputs: [{ name: 'x', data: x.data, width: x.cols }, ...more], fixed: { c } };
}

/** Nearest centroid and squared distance for every row of x. */
export async function nearestCentroids(x: Matrix, centroids: Matrix): Promise<NearestCentroids> {
  const out = await rowwiseInParallel(distanceRun(DISTANCE_GRAPH, x, centroids), [
    { name: 'assignment', type: 'int64', width: 1, vector: true },
    { name: 'distance', type: 'float32', width: 1, vector: true },
  ]);
  const ids = out.assignment as BigInt64Array;
  const assignment = new Int32Array(x.rows);
  for (let i = 0; i < x.rows; i++) assignment[i] = Number(ids[i]);
  return { assignment, distance: out.distance as Float32Array };
}

/** The full N×K matrix of squared distances (row-major), for few centroids or few rows. */
export async function squaredDistances(x: Matrix, centroids: Matrix): Promise<Float32Array> {
  const out = await rowwiseInParallel(distanceRun(DISTANCE_GRAPH, x, centroids), [{ name: 'distances', type: 'float32', width: centroids.rows }]);
  const values = out.distances as Float32Array;
  // Clamp like the nearest path: −1e-7 is a rounding artefact of a zero distance.
  for (let i = 0; i < values.length; i++) values[i] = Math.max(0, values[i] as number);
  return values;
}

// Rows per call of the assigned-distance graph: its gathered centroids and differences are as large
// as the rows, and all of them stay in cache at this size.
const ASSIGNED_CHUNK = 1024;

const ASSIGNED_DISTANCE_GRAPH: OnnxGraph = {
  name: 'selfguide-assigned-distances',
  inputs: [
    { name: 'x', elemType: ELEM_FLOAT, shape: ['n', 'd'] },
    { name: 'c', elemType: ELEM_FLOAT, shape: ['k', 'd'] },
    { name: 'assignment', elemType: ELEM_INT32, shape: ['n'] },
  ],
  outputs: [{ name: 'distance', elemType: ELEM_FLOAT, shape: ['n'] }],
  nodes: [
    { op: 'Gather', inputs: ['c', 'assignment'], outputs: ['own'], attrs: { axis: 0 } },
    { op: 'Sub', inputs: ['x', 'own'], outputs: ['difference'] },
    ...sumOfSquaresNodes('difference', 'distance', 0),
  ],
};

/** ‖x − c(x)‖² of every row to the centroid it is assigned to, summed directly (no cancellation). */
export async function assignedDistances(x: Matrix, centroids: Matrix, assignment: Int32Array): Promise<Float32Array> {
  const run = distanceRun(ASSIGNED_DISTANCE_GRAPH, x, centroids, ASSIGNED_CHUNK, [{ name: 'assignment', data: assignment, width: 1, vector: true }]);
  const out = await rowwiseInParallel(run, [{ name: 'distance', type: 'float32', width: 1, vector: true }]);
  return out.distance as Float32Array;
}
