// Refining what the 8-bit screen leaves undecided, in the same pass (lloyd.ts, int8-screen.ts): a row
// whose two lowest screening scores are within its margin keeps as candidates the centroids scored
// within that margin of its lowest; every other centroid is proven farther than the nearest candidate
// by more than float32 rounding can blur. Its distances to the candidates (about two of k in the
// bench's runs) are computed directly, Σ (x − c)², with an error bound a small share of each
// distance, which settles all but near-ties without the float32 distance step over all k centroids.
// refine.wat does it while the chunk's scores are still in the lowest-two kernel's scratch. Its
// JavaScript loop here gives the same results, for the tests and wherever the kernel cannot run;
// lloyd.ts refines only where the kernel runs, since the loop is slower than the float32 step.
import { receivedKernelMemory, type KernelMemoryRef } from './kernel-memory.ts';
import type { LowestTwo } from './lowest-two.ts';
import type { LowestTwoReducer } from './lowest-two-kernel.ts';
import { REFINE_WASM } from './refine-wasm.ts';
import { lazyModule, reserveBytes } from './wasm-module.ts';

/** What a screening pass needs to refine the rows it leaves undecided. */
export interface Refinement {
  /** the float32 rows the screened codes were made from, `d` wide */
  x: Float32Array;
  /** the kernel memory x lies in, if any (a worker cannot find it from x) */
  rowsMemory: KernelMemoryRef | undefined;
  d: number;
  /** the k × d float32 centroids the scores are against */
  centroids: Float32Array;
  /** per listed row: how far above its lowest score a centroid stays a candidate */
  margins: Float64Array;
  /**
   * per listed row: the screen's bound plus the slack, less ‖x‖² (which the scores leave out); once a
   * candidate is measured, a centroid scored more than this above its upper bound is proven farther
   * than it by more than the slack, and is not measured
   */
  aheads: Float64Array;
  /** per listed row, filled in */
  out: RefinedRows;
}

export interface RefinedRows {
  /** 1 where the row was refined; 0 where its second-lowest score is more than its margin above its lowest */
  refined: Uint8Array;
  /** the candidate nearest by the direct distances (ties: the lowest column) */
  nearest: Int32Array;
  /** an upper bound on the squared distance to `nearest` */
  own: Float64Array;
  /** a lower bound on the squared distance to every other candidate (+∞: there is none) */
  other: Float64Array;
  /** the lowest screening score among the centroids that were not candidates (+∞: there is none) */
  outside: Float32Array;
}

/** Room for the refinement of `count` listed rows, in shared memory so that every scoring thread fills it. */
export function emptyRefinedRows(count: number): RefinedRows {
  const shared = (bytes: number) => new SharedArrayBuffer(bytes * count);
  return {
    refined: new Uint8Array(shared(1)),
    nearest: new Int32Array(shared(4)),
    own: new Float64Array(shared(8)),
    other: new Float64Array(shared(8)),
    outside: new Float32Array(shared(4)),
  };
}

/**
 * The rounding allowance of a direct distance Σ (x − c)² of d float32 terms, as factor and addend:
 * each term is rounded three times and summed in at most d + 2 additions, all of positive values, so
 * the error is below γ_{d+5} of the distance (taken twice over), plus underflow's absolute error.
 */
function allowance(d: number): { relative: number; absolute: number } {
  return { relative: (d + 8) * 2 ** -23, absolute: (d + 8) * 2 ** -120 };
}

/** Σ (x − c)² as refine.wat computes it (four vector sums of four lanes), each operation rounded to float32. */
function directDistance(x: Float32Array, xAt: number, c: Float32Array, cAt: number, d: number): number {
  const f = Math.fround;
  const sums = new Float64Array(16); // sum q mod 4, lane l at 4·(q mod 4) + l; each value a float32
  const fours = d & ~3;
  for (let t = 0; t < fours; t++) {
    const difference = f(x[xAt + t]! - c[cAt + t]!);
    const at = t & 15; // quad t >> 2 goes to sum (t >> 2) & 3
    sums[at] = f(sums[at]! + f(difference * difference));
  }
  const lane = (l: number) => f(f(sums[l]! + sums[4 + l]!) + f(sums[8 + l]! + sums[12 + l]!));
  let sum = f(f(lane(0) + lane(1)) + f(lane(2) + lane(3)));
  for (let t = fours; t < d; t++) {
    const one = f(x[xAt + t]! - c[cAt + t]!);
    sum = f(sum + f(one * one));
  }
  return sum;
}

interface KernelExports {
  refine(
    n: number, k: number, d: number, relative: number, absolute: number,
    scales: number, firstLimits: number, aheads: number, firsts: number, rowAt: number, scoresAt: number, biases: number, centroids: number,
    nearest: number, own: number, other: number, outside: number,
  ): void; // prettier-ignore
}

const kernelModule = lazyModule(REFINE_WASM);

/** Whether this runtime runs the kernel rather than the JavaScript loop. */
export function refineKernelAvailable(): boolean {
  return kernelModule() !== null;
}

/** Instances by the scores' memory, then by the rows' memory. */
const instances = new WeakMap<WebAssembly.Memory, WeakMap<WebAssembly.Memory, Kernel>>();

/** An instance and its scratch memory. */
interface Kernel extends KernelExports {
  scratch: WebAssembly.Memory;
}

function kernelOver(scores: WebAssembly.Memory, rows: WebAssembly.Memory): Kernel | undefined {
  const module = kernelModule();
  if (!module) return undefined;
  const byRows = instances.get(scores) ?? new WeakMap<WebAssembly.Memory, Kernel>();
  instances.set(scores, byRows);
  let kernel = byRows.get(rows);
  if (!kernel) {
    const scratch = new WebAssembly.Memory({ initial: 1 });
    const exports = new WebAssembly.Instance(module, { scratch: { memory: scratch }, scores: { memory: scores }, rows: { memory: rows } }).exports as unknown as KernelExports;
    kernel = { refine: exports.refine, scratch };
    byRows.set(rows, kernel);
  }
  return kernel;
}

/** One chunk's rows to refine, gathered: per row the values refine.wat reads. */
interface ChunkRows {
  count: number;
  /** the row's place in the chunk */
  place: Int32Array;
  scales: Float32Array;
  firstLimits: Float64Array;
  aheads: Float64Array;
  firsts: Int32Array;
  rowAt: Int32Array;
  scoresAt: Int32Array;
}

/** Refines the undecided rows of each chunk a scoring loop reduces (one per loop, like its reducer). */
export class ChunkRefiner {
  private readonly reducer: LowestTwoReducer;
  private readonly refinement: Refinement;
  private readonly biases: Float32Array;
  private readonly kernel: Kernel | undefined;
  private readonly columns: number;
  private readonly biasesAt: number;
  private readonly perRowAt: number;

  /** `useKernel` false takes the JavaScript loop (for tests; it is what runs where the kernel cannot). */
  constructor(reducer: LowestTwoReducer, refinement: Refinement, biases: Float32Array, useKernel = true) {
    this.reducer = reducer;
    this.refinement = refinement;
    this.biases = biases;
    const { centroids, d } = refinement;
    this.columns = centroids.length / d;
    const scores = reducer.scoreMemory();
    const rowsMemory = receivedKernelMemory(refinement.rowsMemory);
    this.kernel = useKernel && scores && rowsMemory ? kernelOver(scores, rowsMemory) : undefined;
    // Scratch: the centroids, the biases, then each chunk's per-row values.
    this.biasesAt = centroids.byteLength;
    this.perRowAt = Math.ceil((this.biasesAt + 4 * this.columns) / 16) * 16;
    if (this.kernel) {
      reserveBytes(this.kernel.scratch, this.perRowAt);
      new Float32Array(this.kernel.scratch.buffer, 0, centroids.length).set(centroids);
      new Float32Array(this.kernel.scratch.buffer, this.biasesAt, this.columns).set(biases.subarray(0, this.columns));
    }
  }

  /**
   * The n rows just reduced into `reduced` at `at` (listed rows `rows`, their score scales `scales`):
   * those whose second score is within their margin of the first are refined into the refinement's
   * results at the same place (the others keep `refined` 0).
   */
  refine(n: number, rows: Int32Array, scales: Float32Array, reduced: LowestTwo, at: number): void {
    const { kernel } = this;
    // Per row: the inputs and the results, 8-byte values first (perRowAt is 16-byte aligned).
    const wide = (index: number) => this.perRowAt + index * 8 * n;
    const narrow = (index: number) => wide(4) + index * 4 * n;
    if (kernel) reserveBytes(kernel.scratch, narrow(6));
    // the kernel's scratch after any growth, which detaches older views
    const memory: ArrayBufferLike = kernel ? kernel.scratch.buffer : new ArrayBuffer(56 * n);
    const offset = kernel ? 0 : -this.perRowAt;
    const view = <T>(Type: new (buffer: ArrayBufferLike, at: number, length: number) => T, byte: number) => new Type(memory, byte + offset, n);
    const chunk: ChunkRows = {
      count: 0,
      place: new Int32Array(n),
      firstLimits: view(Float64Array, wide(0)),
      aheads: view(Float64Array, wide(1)),
      scales: view(Float32Array, narrow(0)),
      firsts: view(Int32Array, narrow(1)),
      rowAt: view(Int32Array, narrow(2)),
      scoresAt: view(Int32Array, narrow(3)),
    };
    this.gather(n, rows, scales, reduced, at, chunk);
    if (chunk.count === 0) return;
    const { d, out } = this.refinement;
    const own = view(Float64Array, wide(2));
    const other = view(Float64Array, wide(3));
    const nearest = view(Int32Array, narrow(4));
    const outside = view(Float32Array, narrow(5));
    if (kernel) {
      const { relative, absolute } = allowance(d);
      kernel.refine(
        chunk.count, this.columns, d, relative, absolute, narrow(0), wide(0), wide(1), narrow(1), narrow(2), narrow(3),
        this.biasesAt, 0, narrow(4), wide(2), wide(3), narrow(5),
      ); // prettier-ignore
    } else {
      const values = this.reducer.lastScores(n, this.columns);
      for (let m = 0; m < chunk.count; m++) this.refineRow(values, chunk, m, nearest, own, other, outside);
    }
    for (let m = 0; m < chunk.count; m++) {
      const to = at + chunk.place[m]!;
      out.refined[to] = 1;
      out.nearest[to] = nearest[m]!;
      out.own[to] = own[m]!;
      out.other[to] = other[m]!;
      out.outside[to] = outside[m]!;
    }
  }

  /** The chunk's rows the screen leaves undecided, with what refining each needs. */
  private gather(n: number, rows: Int32Array, scales: Float32Array, reduced: LowestTwo, at: number, chunk: ChunkRows): void {
    const { d, x, margins, aheads } = this.refinement;
    for (let i = 0; i < n; i++) {
      const firstLimit = reduced.first[at + i]! + margins[at + i]!;
      if (reduced.second[at + i]! > firstLimit) continue;
      const m = chunk.count++;
      chunk.place[m] = i;
      chunk.firstLimits[m] = firstLimit;
      chunk.aheads[m] = aheads[at + i]!;
      chunk.scales[m] = scales[i]!;
      chunk.firsts[m] = reduced.nearest[at + i]!;
      chunk.rowAt[m] = x.byteOffset + rows[i]! * d * 4;
      chunk.scoresAt[m] = i * this.columns * 4;
    }
  }

  /** refine.wat's loop for gathered row m, operation for operation. */
  private refineRow(values: Float32Array, chunk: ChunkRows, m: number, nearest: Int32Array, own: Float64Array, other: Float64Array, outside: Float32Array): void {
    const { d, x, centroids } = this.refinement;
    const { relative, absolute } = allowance(d);
    const k = this.columns;
    const f = Math.fround;
    const [firstLimit, ahead, first, scale, xAt, scoresAt] = [
      chunk.firstLimits[m]!, chunk.aheads[m]!, chunk.firsts[m]!, chunk.scales[m]!, (chunk.rowAt[m]! - x.byteOffset) / 4, chunk.scoresAt[m]! / 4,
    ]; // prettier-ignore
    let [limit, best, bestDistance, bestError, otherLowest, outsideLowest] = [firstLimit, 0, Infinity, 0, Infinity, Infinity];
    const measure = (column: number) => {
      const distance = directDistance(x, xAt, centroids, column * d, d);
      const error = distance * relative + absolute;
      if (distance < bestDistance) {
        otherLowest = Math.min(otherLowest, bestDistance - bestError);
        [best, bestDistance, bestError] = [column, distance, error];
        limit = Math.min(firstLimit, distance + error + ahead);
      } else {
        otherLowest = Math.min(otherLowest, distance - error);
      }
    };
    measure(first);
    for (let j = 0; j < k; j++) {
      if (j === first) continue;
      const score = f(f(scale * values[scoresAt + j]!) + this.biases[j]!);
      if (score <= limit) measure(j);
      else outsideLowest = Math.min(outsideLowest, score);
    }
    nearest[m] = best;
    own[m] = bestDistance + bestError;
    other[m] = otherLowest;
    outside[m] = outsideLowest;
  }
}
