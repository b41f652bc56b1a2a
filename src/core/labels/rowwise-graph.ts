// A small graph whose inputs and outputs are row-aligned (row i of each output depends only on row i
// of each input), run over chunks of rows: the k-means quantization, assignment and distance passes.
// Chunks are handed out by `nextChunk`, in order in one thread or from a shared counter when several
// threads run the same task (scoring-pool.ts).
import * as ort from 'onnxruntime-node';
import { graphSession } from './graph-session.ts';
import type { OnnxGraph } from './onnx-proto.ts';

export type RowData = Float32Array | Uint8Array | Int32Array | BigInt64Array;

/** A graph input or output holding `width` values per row (`vector`: one value per row, shape [n]). */
export interface RowColumn {
  name: string;
  data: RowData;
  width: number;
  vector?: boolean;
}

export interface RowwiseRun {
  graph: OnnxGraph;
  rows: number;
  chunk: number;
  inputs: RowColumn[];
  /** inputs every chunk shares */
  fixed: Record<string, ort.Tensor>;
  outputs: RowColumn[];
}

function tensorType(data: RowData): ort.Tensor.Type {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

/** Rows [start, end) of a column as a tensor over the same memory. */
export function rowTensor(column: RowColumn, start: number, end: number): ort.Tensor {
  const values = column.data.subarray(start * column.width, end * column.width);
  return new ort.Tensor(tensorType(column.data), values, column.vector ? [end - start] : [end - start, column.width]);
}

export async function runRowwiseChunks(run: RowwiseRun, nextChunk: () => number): Promise<void> {
  const session = await graphSession(run.graph, 1); // one intra-op thread: the scoring pool runs one loop per core
  const names = run.outputs.map((output) => output.name);
  for (let start = nextChunk() * run.chunk; start < run.rows; start = nextChunk() * run.chunk) {
    const end = Math.min(run.rows, start + run.chunk);
    const feeds = { ...run.fixed, ...Object.fromEntries(run.inputs.map((input) => [input.name, rowTensor(input, start, end)])) };
    const out = await session.run(feeds, names);
    for (const output of run.outputs) output.data.set(out[output.name]?.data as never, start * output.width);
  }
}
