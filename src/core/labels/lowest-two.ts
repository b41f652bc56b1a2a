// Running a scoring graph over a chosen subset of rows and keeping, per row, only its lowest score,
// that column (ties: lowest index, as ArgMin) and the second-lowest score: what the bounds of the
// pruned Lloyd step need. The rows stay in one tensor that ORT reads without a copy; a run of
// consecutive rows is fed as a view, scattered rows are gathered inside the graph.
import * as ort from 'onnxruntime-node';
import { floatTensor, graphSession } from './graph-session.ts';
import { ELEM_FLOAT, ELEM_INT32, type OnnxGraph, type OnnxNode, type OnnxValue } from './onnx-proto.ts';

/** Nodes from an n×k `scores` matrix to `nearest`, `first` and `second` (masking the first with +∞). */
export function lowestTwoNodes(scores: string): OnnxNode[] {
  return [
    { op: 'ArgMin', inputs: [scores], outputs: ['nearest_64'], attrs: { axis: 1, keepdims: 1 } },
    { op: 'GatherElements', inputs: [scores, 'nearest_64'], outputs: ['first'], attrs: { axis: 1 } },
    { op: 'ScatterElements', inputs: [scores, 'nearest_64', 'mask'], outputs: ['masked'], attrs: { axis: 1 } },
    { op: 'Cast', inputs: ['nearest_64'], outputs: ['nearest'], attrs: { to: ELEM_INT32 } },
    { op: 'ReduceMin', inputs: ['masked'], outputs: ['second'], attrs: { axes: [1], keepdims: 1 } },
  ];
}

export const LOWEST_TWO_INPUT: OnnxValue = { name: 'mask', elemType: ELEM_FLOAT, shape: ['n', 1] };
export const LOWEST_TWO_OUTPUTS: OnnxValue[] = [
  { name: 'nearest', elemType: ELEM_INT32, shape: ['n', 1] },
  { name: 'first', elemType: ELEM_FLOAT, shape: ['n', 1] },
  { name: 'second', elemType: ELEM_FLOAT, shape: ['n', 1] },
];

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
const gathered = new Map<OnnxGraph, OnnxGraph>();

let masks = new Float32Array(0);
/** A column of +∞ of the given height (shared, grown on demand). */
function maskTensor(rows: number): ort.Tensor {
  if (masks.length < rows) masks = new Float32Array(rows).fill(Infinity);
  return floatTensor(masks.subarray(0, rows), [rows, 1]);
}

/**
 * Runs `graph` (whose outputs are LOWEST_TWO_OUTPUTS) over the listed rows (ascending) in chunks of
 * at most `chunk` rows; `fixed` are the inputs shared by every chunk.
 */
export async function lowestTwoOverRows(
  graph: OnnxGraph,
  source: RowSource,
  rows: Int32Array,
  fixed: Record<string, ort.Tensor>,
  chunk: number,
): Promise<LowestTwo> {
  if (!gathered.has(graph)) gathered.set(graph, gatheredGraph(graph, source.input));
  const [direct, indirect] = await Promise.all([graphSession(graph), graphSession(gathered.get(graph) as OnnxGraph)]);
  const result: LowestTwo = { rows, nearest: new Int32Array(rows.length), first: new Float32Array(rows.length), second: new Float32Array(rows.length) };
  for (let start = 0; start < rows.length; start += chunk) {
    const end = Math.min(rows.length, start + chunk);
    const first = rows[start] as number;
    const consecutive = (rows[end - 1] as number) - first === end - 1 - start;
    const out = consecutive
      ? await direct.run({ ...fixed, [source.input]: source.slice(first, first + end - start), mask: maskTensor(end - start) })
      : await indirect.run({ ...fixed, [`${source.input}_all`]: source.all, rows: new ort.Tensor('int32', rows.subarray(start, end), [end - start]), mask: maskTensor(end - start) });
    result.nearest.set(out.nearest?.data as Int32Array, start);
    result.first.set(out.first?.data as Float32Array, start);
    result.second.set(out.second?.data as Float32Array, start);
  }
  return result;
}

export function floatRows(data: Float32Array, rows: number, cols: number): RowSource {
  return { input: 'x', all: floatTensor(data, [rows, cols]), slice: (start, end) => floatTensor(data.subarray(start * cols, end * cols), [end - start, cols]) };
}
