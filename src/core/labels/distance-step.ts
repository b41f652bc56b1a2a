// The k-means distance step as one ONNX graph: squared distances ‖x‖² − 2·x·cᵀ + ‖c‖² from a single
// Gemm (alpha −2, ‖c‖² as its bias), then the nearest centroid per row (ArgMin, ReduceMin). Rows are
// fed in chunks so the N×K score matrix stays small whatever N is (1M × 5,000 would be 20 GB).
import * as ort from 'onnxruntime-node';
import { floatTensor, graphSession } from './graph-session.ts';
import { LOWEST_TWO_INPUT, LOWEST_TWO_OUTPUTS, lowestTwoNodes, lowestTwoOverRows, type LowestTwo, type RowSource } from './lowest-two.ts';
import { ELEM_FLOAT, ELEM_INT32, ELEM_INT64, type OnnxGraph } from './onnx-proto.ts';
import { rowSlice, type Matrix } from './matrix.ts';

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
    { op: 'ReduceSumSquare', inputs: ['x'], outputs: ['x_sq'], attrs: { axes: [1], keepdims: 1 } },
    { op: 'ReduceSumSquare', inputs: ['c'], outputs: ['c_sq'], attrs: { axes: [1], keepdims: 0 } },
    { op: 'Gemm', inputs: ['x', 'c', 'c_sq'], outputs: ['partial'], attrs: { alpha: { float: -2 }, beta: { float: 1 }, transB: 1 } },
    { op: 'Add', inputs: ['partial', 'x_sq'], outputs: ['distances'] },
    { op: 'ArgMin', inputs: ['distances'], outputs: ['assignment'], attrs: { axis: 1, keepdims: 0 } },
    // Rounding can make a squared distance slightly negative; clamp at zero.
    { op: 'ReduceMin', inputs: ['distances'], outputs: ['nearest_raw'], attrs: { axes: [1], keepdims: 0 } },
    { op: 'Relu', inputs: ['nearest_raw'], outputs: ['distance'] },
  ],
};

// The same float32 arithmetic as DISTANCE_GRAPH (so the same argmin for a row), reduced to the lowest two.
const LOWEST_TWO_GRAPH: OnnxGraph = {
  name: 'selfguide-lowest-two-distances',
  inputs: [...DISTANCE_GRAPH.inputs, LOWEST_TWO_INPUT],
  outputs: LOWEST_TWO_OUTPUTS,
  nodes: [...DISTANCE_GRAPH.nodes.slice(0, 4), ...lowestTwoNodes('distances')],
};

/**
 * Squared distances of the listed rows (ascending) of x to their nearest and second-nearest centroid,
 * and the nearest's index, in float32 exactly as `nearestCentroids` computes them.
 */
export function lowestTwoDistances(x: RowSource, centroids: Matrix, rows: Int32Array): Promise<LowestTwo> {
  const c = floatTensor(centroids.data, [centroids.rows, centroids.cols]);
  return lowestTwoOverRows(LOWEST_TWO_GRAPH, x, rows, { c }, chunkRows(centroids.rows));
}

/** Bounds the rows per ORT call so a chunk's N×K scores stay near 64 MB. */
export function chunkRows(k: number): number {
  return Math.max(1024, Math.floor(16_777_216 / Math.max(1, k)));
}

export interface NearestCentroids {
  /** index of the nearest centroid per row (ties: lowest index, as ArgMin) */
  assignment: Int32Array;
  /** squared Euclidean distance to it */
  distance: Float32Array;
}

/** Nearest centroid and squared distance for every row of x. */
export async function nearestCentroids(x: Matrix, centroids: Matrix): Promise<NearestCentroids> {
  const session = await graphSession(DISTANCE_GRAPH);
  const assignment = new Int32Array(x.rows);
  const distance = new Float32Array(x.rows);
  const c = floatTensor(centroids.data, [centroids.rows, centroids.cols]);
  const step = chunkRows(centroids.rows);
  for (let start = 0; start < x.rows; start += step) {
    const chunk = rowSlice(x, start, Math.min(x.rows, start + step));
    const out = await session.run({ x: floatTensor(chunk.data, [chunk.rows, chunk.cols]), c }, ['assignment', 'distance']);
    const ids = out.assignment?.data as BigInt64Array;
    for (let i = 0; i < chunk.rows; i++) assignment[start + i] = Number(ids[i]);
    distance.set(out.distance?.data as Float32Array, start);
  }
  return { assignment, distance };
}

/** The full N×K matrix of squared distances (row-major), for few centroids or few rows. */
export async function squaredDistances(x: Matrix, centroids: Matrix): Promise<Float32Array> {
  const session = await graphSession(DISTANCE_GRAPH);
  const result = new Float32Array(x.rows * centroids.rows);
  const c = floatTensor(centroids.data, [centroids.rows, centroids.cols]);
  const step = chunkRows(centroids.rows);
  for (let start = 0; start < x.rows; start += step) {
    const chunk = rowSlice(x, start, Math.min(x.rows, start + step));
    const out = await session.run({ x: floatTensor(chunk.data, [chunk.rows, chunk.cols]), c }, ['distances']);
    const values = out.distances?.data as Float32Array;
    // Clamp like the nearest path: −1e-7 is a rounding artefact of a zero distance.
    for (let i = 0; i < values.length; i++) result[start * centroids.rows + i] = Math.max(0, values[i] as number);
  }
  return result;
}

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
    { op: 'ReduceSumSquare', inputs: ['difference'], outputs: ['distance'], attrs: { axes: [1], keepdims: 0 } },
  ],
};

/** ‖x − c(x)‖² of every row to the centroid it is assigned to, summed directly (no cancellation). */
export async function assignedDistances(x: Matrix, centroids: Matrix, assignment: Int32Array): Promise<Float32Array> {
  const session = await graphSession(ASSIGNED_DISTANCE_GRAPH);
  const distance = new Float32Array(x.rows);
  const c = floatTensor(centroids.data, [centroids.rows, centroids.cols]);
  const step = 16_384; // the gathered centroids are as large as the chunk of x
  for (let start = 0; start < x.rows; start += step) {
    const chunk = rowSlice(x, start, Math.min(x.rows, start + step));
    const ids = new ort.Tensor('int32', assignment.subarray(start, start + chunk.rows), [chunk.rows]);
    const out = await session.run({ x: floatTensor(chunk.data, [chunk.rows, chunk.cols]), c, assignment: ids });
    distance.set(out.distance?.data as Float32Array, start);
  }
  return distance;
}
