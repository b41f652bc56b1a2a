// Running a scoring graph over a chosen subset of rows and keeping, per row, only its lowest score,
// that column (ties: lowest index, as ArgMin) and the second-lowest score: what the bounds of the
// pruned Lloyd step need. The rows stay in one tensor that ORT reads without a copy; a run of
// consecutive rows is fed as a view, scattered rows are gathered inside the graph. The graph's scores
// go into a scratch memory, where lowest-two-kernel.ts reduces them.
import * as ort from 'onnxruntime-node';
import { graphSession } from './graph-session.ts';
import { withReducer } from './lowest-two-kernel.ts';
import { ChunkRefiner, type Refinement } from './refine-kernel.ts';
import { rowTensor } from './rowwise-graph.ts';
import { ELEM_FLOAT, ELEM_INT32, type OnnxGraph, type OnnxValue } from './onnx-proto.ts';

/** The one output of a scoring graph: an n × k score matrix (before ScorePass's scale and bias), lower is nearer. */
export const SCORES_OUTPUT: OnnxValue = { name: 'scores', elemType: ELEM_FLOAT, shape: ['n', 'k'] };

/** How a scoring graph runs over rows, and how its output becomes scores. */
export interface ScorePass {
  /** rows per call, at most */
  chunk: number;
  /** scores per row */
  columns: number;
  /** a factor per row of the source (by row number), multiplying that row's output; none: 1 */
  rowScale?: Float32Array;
  /** an addend per column, added after the factor; none: 0 */
  columnBias?: Float32Array;
  /** the undecided rows of an 8-bit screen, refined while their scores are at hand (refine-kernel.ts) */
  refine?: Refinement;
}

export interface LowestTwo {
  /** the rows these results are for, in order */
  rows: Int32Array;
  nearest: Int32Array;
  /** the lowest and second-lowest score of each row (+∞ when there is one column) */
  first: Float32Array;
  second: Float32Array;
}

/** The graph's per-row input, whole: `slice` views rows [start, end) without copying. */
export interface RowSource {
  input: string;
  all: ort.Tensor;
  slice(start: number, end: number): ort.Tensor;
}

/** The same graph fed `<input>_all` and row indices, gathering the rows first. */
function gatheredGraph(graph: OnnxGraph, input: string): OnnxGraph {
  const source = graph.inputs.find((value) => value.name === input) as OnnxValue;
  return {
    ...graph,
    name: `${graph.name}-gathered`,
    inputs: [
      ...graph.inputs.filter((value) => value !== source),
      { ...source, name: `${input}_all`, shape: ['all', ...source.shape.slice(1)] },
      { name: 'rows', elemType: ELEM_INT32, shape: ['n'] },
    ],
    nodes: [{ op: 'Gather', inputs: [`${input}_all`, 'rows'], outputs: [input], attrs: { axis: 0 } }, ...graph.nodes],
  };
}
// By name: a worker thread receives a fresh copy of the same graph with every task.
const gathered = new Map<string, OnnxGraph>();

/** Room for a lowest-two result of `count` rows, in shared memory when other threads fill it too. */
export function emptyLowestTwo(rows: Int32Array, shared = false): LowestTwo {
  const count = rows.length;
  const memory = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return { rows, nearest: new Int32Array(memory(4 * count)), first: new Float32Array(memory(4 * count)), second: new Float32Array(memory(4 * count)) };
}

/**
 * Runs `graph` (whose output is SCORES_OUTPUT) over chunks of the listed rows (ascending) as `pass`
 * says, writing into `result`; `fixed` are the inputs shared by every chunk. `nextChunk`
 * hands out chunk numbers until it returns one past the last: in order here, or from a counter that
 * several threads draw from (scoring-pool.ts), each thread writing only its own chunks.
 */
export async function scoreChunks(
  graph: OnnxGraph,
  source: RowSource,
  fixed: Record<string, ort.Tensor>,
  pass: ScorePass,
  result: LowestTwo,
  nextChunk: () => number,
): Promise<void> {
  const { chunk, columns, rowScale } = pass;
  if (!gathered.has(graph.name)) gathered.set(graph.name, gatheredGraph(graph, source.input));
  // One intra-op thread: the scoring pool runs one such loop per core.
  const [direct, indirect] = await Promise.all([graphSession(graph, 1), graphSession(gathered.get(graph.name) as OnnxGraph, 1)]);
  const { rows } = result;
  const affine = { scales: new Float32Array(chunk).fill(1), biases: pass.columnBias ?? new Float32Array(columns) };
  await withReducer(async (reducer) => {
    const refiner = pass.refine && new ChunkRefiner(reducer, pass.refine, affine.biases);
    for (let start = nextChunk() * chunk; start < rows.length; start = nextChunk() * chunk) {
      const end = Math.min(rows.length, start + chunk);
      const count = end - start;
      const first = rows[start] as number;
      const scores = { scores: reducer.scores(count, columns) };
      if ((rows[end - 1] as number) - first === count - 1) await direct.run({ ...fixed, [source.input]: source.slice(first, first + count) }, scores);
      else await indirect.run({ ...fixed, [`${source.input}_all`]: source.all, rows: new ort.Tensor('int32', rows.subarray(start, end), [count]) }, scores);
      if (rowScale) for (let i = 0; i < count; i++) affine.scales[i] = rowScale[rows[start + i]!]!;
      reducer.reduce(count, columns, affine, result, start);
      refiner?.refine(count, rows.subarray(start, end), affine.scales, result, start);
    }
  });
}

/** Lowest two scores of `graph` for the listed rows of `source`, `chunk` rows per ORT call. */
export type LowestTwoScorer = (graph: OnnxGraph, source: RowSource, rows: Int32Array, fixed: Record<string, ort.Tensor>, pass: ScorePass) => Promise<LowestTwo>;

/** `scoreChunks` over all the listed rows, in this thread. */
export const lowestTwoOverRows: LowestTwoScorer = async (graph, source, rows, fixed, pass) => {
  const result = emptyLowestTwo(rows);
  let next = 0;
  await scoreChunks(graph, source, fixed, pass, result, () => next++);
  return result;
};

/** Rows of `data` (row-major, `cols` wide) as the graph input `input`. */
export function rowSource(input: string, data: Float32Array | Uint8Array, cols: number): RowSource {
  const column = { name: input, data, width: cols };
  return { input, all: rowTensor(column, 0, data.length / cols), slice: (start, end) => rowTensor(column, start, end) };
}

export function floatRows(data: Float32Array, rows: number, cols: number): RowSource {
  return rowSource('x', data.subarray(0, rows * cols), cols);
}
