// The k-means passes on every core: the scoring graphs (8-bit screen, float32 lowest-two, distances,
// quantization) and the row moves between cluster sums. ONNX Runtime's own threads split each
// operator and meet after it, which the short graphs of the pruned Lloyd step do not pay for
// (graph-session.ts); here whole chunks are the unit instead (rows for the graphs, groups of clusters
// for the moves): this thread and one worker per other core draw chunk numbers from one shared
// counter, each with its own single-threaded sessions, so a core that another process holds simply
// takes fewer chunks. Rows, row lists, sums and results live in shared memory: nothing is copied per
// call but the centroids.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { emptyLowestTwo, lowestTwoOverRows, rowSource, scoreChunks, type LowestTwo, type LowestTwoScorer, type ScorePass } from './lowest-two.ts';
import { kernelMemoryRef, receivedKernelMemory, type KernelMemoryRef } from './kernel-memory.ts';
import { moveApplier } from './move-kernel.ts';
import type { Moves } from './move-log.ts';
import { runRowwiseChunks, type RowColumn, type RowData, type RowwiseRun } from './rowwise-graph.ts';
import type { OnnxGraph } from './onnx-proto.ts';

/** An ort.Tensor as plain data, which a worker receives by structured clone. */
export interface TensorSpec {
  name: string;
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: readonly number[];
}

/** What every thread needs to score its share: shared memory, or small enough to copy. */
export type PoolTask = (
  | {
      kind: 'lowest-two';
      graph: OnnxGraph;
      input: string;
      /** the whole row matrix */
      source: Float32Array | Uint8Array;
      cols: number;
      pass: ScorePass;
      result: LowestTwo;
    }
  | { kind: 'rowwise'; run: Omit<RowwiseRun, 'fixed'> }
  | {
      kind: 'moves';
      sums: Float64Array;
      x: Float32Array;
      /** the kernel memory x lies in, for the move kernel (a worker cannot find it from x) */
      rowsMemory: KernelMemoryRef | undefined;
      d: number;
      k: number;
      moves: Moves;
      block: number;
    }
) & {
  fixed: TensorSpec[];
  /** the next chunk number, drawn with Atomics.add */
  counter: Int32Array;
};

export type PoolReply = { ok: true } | { ok: false; error: string };

// Variables, not literals, so bundlers leave them alone: the .ts beside this file from the sources;
// in the Electron build the bundled scoring-worker.js, beside this code or one folder up when the
// bundler put this code in a shared chunk (out/main/chunks/).
const WORKER_CANDIDATES = ['./scoring-worker.ts', './scoring-worker.js', '../scoring-worker.js'];

function workerFile(): string {
  const paths = WORKER_CANDIDATES.map((candidate) => fileURLToPath(new URL(candidate, import.meta.url)));
  return paths.find((path) => existsSync(path)) ?? (paths[0] as string);
}

/** Runs one task's chunks in this thread until the counter runs out (a worker's side, and this thread's). */
export async function runPoolTask(task: PoolTask): Promise<void> {
  const fixed = Object.fromEntries(task.fixed.map((t) => [t.name, new ort.Tensor(t.type, t.data, t.dims)]));
  const nextChunk = () => Atomics.add(task.counter, 0, 1);
  if (task.kind === 'rowwise') return runRowwiseChunks({ ...task.run, fixed }, nextChunk);
  if (task.kind === 'moves') {
    const { sums, x, d, k, moves, block } = task;
    const apply = moveApplier(x, d, moves, receivedKernelMemory(task.rowsMemory));
    for (let first = nextChunk() * block; first < k; first = nextChunk() * block) apply(sums, first, Math.min(k, first + block));
    return;
  }
  await scoreChunks(task.graph, rowSource(task.input, task.source, task.cols), fixed, task.pass, task.result, nextChunk);
}

function specs(fixed: Record<string, ort.Tensor>): TensorSpec[] {
  return Object.entries(fixed).map(([name, t]) => ({ name, type: t.type, data: t.data, dims: t.dims }));
}

/**
 * How many threads, this one included, score chunks: one per core unless set otherwise, at most 8
 * (each worker holds its own ONNX Runtime and sessions, tens of MB).
 */
let threads = Math.min(8, availableParallelism());
let workerSource: string | undefined;
const workers: Worker[] = [];
/** Set once a worker has failed: later tasks run in this thread alone. */
let broken = false;
let parallelTasks = 0;

export function scoringThreads(): number {
  return threads;
}

/** Tasks whose chunks were shared with workers so far (for tests and benchmarks). */
export function parallelTaskCount(): number {
  return parallelTasks;
}

/**
 * Sets the number of scoring threads (1: this thread alone) and, for tests, the worker's entry file;
 * stops the workers there were and forgets an earlier failure.
 */
export function setScoringThreads(count: number, file?: string): void {
  threads = Math.max(1, Math.floor(count));
  workerSource = file;
  broken = false;
  for (const worker of workers.splice(0)) void worker.terminate();
}

function helpers(): Worker[] {
  while (workers.length < threads - 1) {
    const worker = new Worker(workerSource ?? workerFile());
    worker.unref(); // an idle pool must not keep a CLI process alive (runInWorker refs it while busy)
    workers.push(worker);
  }
  return workers;
}

function runInWorker(worker: Worker, task: PoolTask): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.unref();
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: PoolReply) => {
      cleanup();
      if (reply.ok) resolve();
      else reject(new Error(reply.error));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`a k-means scoring worker exited (code ${code})`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.ref(); // a task in flight keeps the process alive until its answer
    worker.postMessage(task);
  });
}

/** `array` itself when it is in shared memory, else a copy there. */
export function sharedCopy<T extends RowData>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

function isShared(data: { buffer: ArrayBufferLike }): boolean {
  return data.buffer instanceof SharedArrayBuffer;
}

/**
 * Runs `task` on this thread and up to one worker per other chunk; false (nothing to trust in the
 * results) when a worker failed, after which workers are no longer used.
 */
async function onEveryThread(task: PoolTask, chunks: number): Promise<boolean> {
  let others: Promise<void>[] = [];
  parallelTasks++;
  try {
    others = helpers()
      .slice(0, chunks - 1)
      .map((worker) => runInWorker(worker, task));
    // Awaited after this thread's share: a worker failing meanwhile is not an unhandled rejection.
    for (const other of others) other.catch(() => undefined);
    await runPoolTask(task);
    await Promise.all(others);
    return true;
  } catch (error) {
    // Wait until every worker has stopped touching the task's memory. A failed one may have left
    // chunks undone: the caller does them all again here.
    await Promise.allSettled(others);
    broken = true;
    process.emitWarning(`k-means scoring continues on one thread: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

function parallel(chunks: number, data: { buffer: ArrayBufferLike }[]): boolean {
  return !broken && threads > 1 && chunks > 1 && data.every(isShared);
}

const SMALLEST_CHUNK = 256;

/**
 * `lowestTwoOverRows` on every scoring thread when the rows are in shared memory and make two chunks
 * or more, else in this thread. Each row's result comes from the same graph arithmetic either way.
 */
export const lowestTwoInParallel: LowestTwoScorer = async (graph, source, rows, fixed, pass) => {
  const data = source.all.data as Float32Array | Uint8Array;
  // Chunks smaller than the largest when there are few rows, so that every thread gets one or two
  // (a pass of 1,300 undecided rows would otherwise be one chunk on one thread); not below
  // SMALLEST_CHUNK, where a call's fixed cost starts to outweigh its rows.
  const chunk = Math.min(pass.chunk, Math.max(SMALLEST_CHUNK, Math.ceil(rows.length / (2 * threads))));
  const chunks = Math.ceil(rows.length / chunk);
  const refine = pass.refine ? [pass.refine.x, pass.refine.margins, pass.refine.out.refined] : [];
  if (parallel(chunks, [data, ...(pass.rowScale ? [pass.rowScale] : []), ...refine])) {
    const cols = source.all.dims[1] as number;
    const result = emptyLowestTwo(sharedCopy(rows), true);
    const task: PoolTask = { kind: 'lowest-two', graph, input: source.input, source: data, cols, pass: { ...pass, chunk }, result, fixed: specs(fixed), counter: counter() };
    if (await onEveryThread(task, chunks)) return { ...result, rows };
  }
  return lowestTwoOverRows(graph, source, rows, fixed, pass);
};

/** An output column to fill: its name, element type and values per row. */
export type OutputColumn = Omit<RowColumn, 'data'> & { type: keyof typeof ROW_ARRAYS };

const ROW_ARRAYS = { float32: Float32Array, uint8: Uint8Array, int32: Int32Array, int64: BigInt64Array };

/**
 * Room for an output column, in shared memory however the pass runs: what one pass computes (the
 * quantized codes) feeds later passes, which go to the pool even when this one ran on one thread.
 */
function allocate(column: OutputColumn, rows: number): RowColumn {
  const Values = ROW_ARRAYS[column.type] as new (memory: ArrayBufferLike) => RowData;
  return { ...column, data: new Values(new SharedArrayBuffer(rows * column.width * ROW_ARRAYS[column.type].BYTES_PER_ELEMENT)) };
}

/** A row-wise graph over all rows, on every scoring thread when its inputs are in shared memory. */
export async function rowwiseInParallel(run: Omit<RowwiseRun, 'outputs'>, outputs: OutputColumn[]): Promise<Record<string, RowData>> {
  const chunks = Math.ceil(run.rows / run.chunk);
  const byName = (columns: RowColumn[]) => Object.fromEntries(columns.map((column) => [column.name, column.data]));
  // Wide inputs (the rows) must already be shared; one value per row is cheap to copy.
  if (parallel(chunks, run.inputs.filter((input) => !input.vector).map((input) => input.data))) {
    const columns = outputs.map((column) => allocate(column, run.rows));
    const inputs = run.inputs.map((input) => (input.vector ? { ...input, data: sharedCopy(input.data) } : input));
    const { fixed, ...rest } = run;
    const task: PoolTask = { kind: 'rowwise', run: { ...rest, inputs, outputs: columns }, fixed: specs(fixed), counter: counter() };
    if (await onEveryThread(task, chunks)) return byName(columns);
  }
  const columns = outputs.map((column) => allocate(column, run.rows));
  let next = 0;
  await runRowwiseChunks({ ...run, outputs: columns }, () => next++);
  return byName(columns);
}

// Below this many value moves (about a millisecond of one thread's work), a task costs more than it saves.
const MOVES_WORTH_SHARING = 1 << 20;

/**
 * Applies the moves to the sums (k clusters, `d` wide); on every scoring thread, each taking groups
 * of clusters, when the sums and rows are in shared memory and there is enough to share. False when
 * a worker failed: the sums may then hold part of the moves, and only a recount from the assignment
 * can restore them.
 */
export async function applyMovesInParallel(sums: Float64Array, x: Float32Array, d: number, moves: Moves): Promise<boolean> {
  const k = sums.length / d;
  // One group of clusters per thread: each group's pass reads the rows of every move touching it, so
  // a row moved between two groups is read twice, and with more, smaller groups (for balance) more
  // rows were read twice than balance won back (100k run: 0.62-0.64 s with 4 groups per thread,
  // 0.57 s with one). A thread that starts late leaves its group to the others.
  const block = Math.max(1, Math.ceil(k / threads));
  const chunks = Math.ceil(k / block);
  if (moves.count * d >= MOVES_WORTH_SHARING && parallel(chunks, [sums, x])) {
    const [rows, from, to] = [moves.rows, moves.from, moves.to].map((values) => sharedCopy(values.subarray(0, moves.count))) as [Int32Array, Int32Array, Int32Array];
    const rowsMemory = kernelMemoryRef(x.buffer);
    const task: PoolTask = { kind: 'moves', sums, x, rowsMemory, d, k, moves: { rows, from, to, count: moves.count }, block, fixed: [], counter: counter() };
    return onEveryThread(task, chunks);
  }
  moveApplier(x, d, moves)(sums, 0, k);
  return true;
}

function counter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}
