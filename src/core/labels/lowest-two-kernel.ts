// The lowest-two reduction of a chunk's scores (lowest-two.ts) outside ONNX Runtime: the scoring graph
// writes its n × k values straight into a scratch memory (a pre-allocated output), and lowest-two.wat
// reduces each row in SIMD lanes, taking each score as scale(row) · value + bias(column) on the way
// (the 8-bit screen's per-row step and ‖c‖², which the graph cannot apply per row). In the graph,
// ArgMin, GatherElements, ScatterElements and ReduceMin took about a third of an 8-bit screening call
// and a tenth of a float32 one; the kernel takes about a tenth of a screening call. Where the
// runtime cannot run the kernel, a JavaScript loop gives the same results.
import * as ort from 'onnxruntime-node';
import { LOWEST_TWO_WASM } from './lowest-two-wasm.ts';
import type { LowestTwo } from './lowest-two.ts';
import { lazyModule, reserveBytes } from './wasm-module.ts';

interface KernelExports {
  scratch: WebAssembly.Memory;
  lowestTwo(scores: number, n: number, k: number, scales: number, biases: number, nearest: number, first: number, second: number): void;
}

const kernelModule = lazyModule(LOWEST_TWO_WASM);

/** Whether this runtime runs the kernel rather than the JavaScript loop. */
export function lowestTwoKernelAvailable(): boolean {
  return kernelModule() !== null;
}

/** Per row a factor, per column an addend: score = scale · value + bias, each step rounded to float32. */
export interface ScoreAffine {
  scales: Float32Array;
  biases: Float32Array;
}

/** Row `row` reduced into `into` at `at`, by the loop the kernel's lanes compute. */
function reduceRow(values: Float32Array, row: number, k: number, affine: ScoreAffine, into: LowestTwo, at: number): void {
  let [best, column, second] = [Infinity, 0, Infinity];
  const scale = affine.scales[row]!;
  for (let j = 0, offset = row * k; j < k; j++) {
    // fround of each double result is float32 arithmetic exactly (a double holds a float32 product and sum)
    const score = Math.fround(Math.fround(scale * values[offset + j]!) + affine.biases[j]!);
    if (score < best) [second, best, column] = [best, score, j];
    else if (score < second) second = score;
  }
  into.nearest[at] = column;
  into.first[at] = best;
  into.second[at] = second;
}

/**
 * A place for one chunk's scores and their reduction. One per running scoring loop: a loop's scores
 * stay in it from the graph's run to the reduction, across an await.
 */
export class LowestTwoReducer {
  private readonly kernel: KernelExports | undefined;
  private plain = new Float32Array(0);

  /** `useKernel` false takes the JavaScript loop (for tests; it is what runs where the kernel cannot). */
  constructor(useKernel = true) {
    const module = useKernel ? kernelModule() : null;
    this.kernel = module ? (new WebAssembly.Instance(module).exports as unknown as KernelExports) : undefined;
  }

  /** An n × k float32 tensor over the scratch, for the graph's `scores` output. */
  scores(n: number, k: number): ort.Tensor {
    const values = n * k;
    if (this.kernel) {
      // Scores first, then the scales, the biases and the three per-row results.
      reserveBytes(this.kernel.scratch, 4 * (values + 4 * n + k));
      return new ort.Tensor('float32', new Float32Array(this.kernel.scratch.buffer, 0, values), [n, k]);
    }
    if (this.plain.length < values) this.plain = new Float32Array(values);
    return new ort.Tensor('float32', this.plain.subarray(0, values), [n, k]);
  }

  /** The memory whose first n × k float32 values are the scores last handed out, where the kernel runs. */
  scoreMemory(): WebAssembly.Memory | undefined {
    return this.kernel?.scratch;
  }

  /** The n × k values last handed out by `scores`, as the graph wrote them. */
  lastScores(n: number, k: number): Float32Array {
    return this.kernel ? new Float32Array(this.kernel.scratch.buffer, 0, n * k) : this.plain.subarray(0, n * k);
  }

  /** Reduces the n × k values last handed out by `scores`, as `affine` scores, into `into`, rows [at, at + n). */
  reduce(n: number, k: number, affine: ScoreAffine, into: LowestTwo, at: number): void {
    if (!this.kernel) {
      for (let row = 0; row < n; row++) reduceRow(this.plain, row, k, affine, into, at + row);
      return;
    }
    const { buffer } = this.kernel.scratch;
    const scales = 4 * n * k;
    const biases = scales + 4 * n;
    const results = biases + 4 * k;
    new Float32Array(buffer, scales, n).set(affine.scales.subarray(0, n));
    new Float32Array(buffer, biases, k).set(affine.biases.subarray(0, k));
    this.kernel.lowestTwo(0, n, k, scales, biases, results, results + 4 * n, results + 8 * n);
    into.nearest.set(new Int32Array(buffer, results, n), at);
    into.first.set(new Float32Array(buffer, results + 4 * n, n), at);
    into.second.set(new Float32Array(buffer, results + 8 * n, n), at);
  }
}

const idle: LowestTwoReducer[] = [];

/** Runs `use` with a reducer no other scoring loop of this thread holds meanwhile. */
export async function withReducer<T>(use: (reducer: LowestTwoReducer) => Promise<T>): Promise<T> {
  const reducer = idle.pop() ?? new LowestTwoReducer();
  try {
    return await use(reducer);
  } finally {
    idle.push(reducer);
  }
}
