// Lloyd's k-means iterations (scikit-learn's algorithm="lloyd"): assign every point to its nearest
// centroid, move each centroid to its points' mean, stop early once no assignment changes. The
// reported assignment and inertia are those of the final centroids.
//
// Same iterations, same assignments, less work: each row carries an upper bound on its distance to
// its own centroid and a lower bound on its distance to every other (Hamerly's bounds), moved by
// the centroids' drift after each update. A row whose bounds still separate by more than float32
// rounding could blur keeps its centroid without any product; the others are first scored by the
// 8-bit product of int8-screen.ts, whose proven error bound settles most of them; of the rest, its
// distances to the few centroids the screen could not rule out are computed directly
// (refine-kernel.ts, in the same pass), which settles all but near-ties; only those go through the
// float32 distance step — the same graph arithmetic as a full pass, so the same argmin. The first
// assignment takes the same path from no bounds at all. The centroid sums are updated by the rows
// that moved.
import { accumulate, copySums, emptySums, reseedEmptyClusters, writeMeans, type ClusterSums } from './centroid-update.ts';
import { assignedDistances, lowestTwoDistances, nearestCentroids, type NearestCentroids } from './distance-step.ts';
import { quantizeCentroids, quantizeRows, screenBounds, screeningAvailable, screenRows, type QuantizedCentroids, type QuantizedRows } from './int8-screen.ts';
import { floatRows, type LowestTwo } from './lowest-two.ts';
import { kernelMemoryRef, lendKernelRows } from './kernel-memory.ts';
import type { Matrix } from './matrix.ts';
import { MoveLog } from './move-log.ts';
import { emptyRefinedRows, refineKernelAvailable, type RefinedRows, type Refinement } from './refine-kernel.ts';
import { applyMovesInParallel } from './scoring-pool.ts';

export interface LloydResult extends NearestCentroids {
  centroids: Matrix;
  inertia: number;
  /** centroid updates done (fewer than asked when it converged) */
  iterations: number;
  /** empty clusters re-seeded, summed over the iterations */
  reseeded: number;
}

export interface LloydOptions {
  /** score uncertain rows with the 8-bit product first (default: where ORT has the kernel) */
  screening?: boolean;
  /** refine the rows the screen leaves undecided (default: where refine.wat runs) */
  refining?: boolean;
  /** filled with how many rows each iteration skipped, screened, refined and computed exactly */
  stats?: LloydStats;
}

export interface LloydStats {
  skipped: number[];
  screened: number[];
  /** rows the refinement of the screen settled */
  refined: number[];
  exact: number[];
}

/** Screening costs about a third of a float32 pass; past this share of rows left undecided it loses. */
const SCREEN_WORTH = 0.65;

export function sumOf(values: Float32Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function copyMatrix(m: Matrix): Matrix {
  return { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}

/** ‖new − old‖ per centroid, rounded up so that it stays a bound. */
function centroidDrift(previous: Matrix, next: Matrix): Float64Array {
  const { rows: k, cols: d } = next;
  const drift = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let sq = 0;
    for (let j = c * d; j < (c + 1) * d; j++) sq += ((next.data[j] as number) - (previous.data[j] as number)) ** 2;
    drift[c] = Math.sqrt(sq) * (1 + 1e-12);
  }
  return drift;
}

function maxRowNorm(m: Matrix): number {
  let max = 0;
  for (let r = 0; r < m.rows; r++) {
    let sq = 0;
    for (let j = r * m.cols; j < (r + 1) * m.cols; j++) sq += (m.data[j] as number) ** 2;
    max = Math.max(max, sq);
  }
  return Math.sqrt(max);
}

/**
 * Per-row state of the pruned assignment step. `slack(i)` is twice the largest error float32
 * distances of row i can have (γ_{d+4}·(‖x‖ + max‖c‖)²): a row is certain only when its bounds
 * separate its own centroid from every other by more than that, so that plain float32 Lloyd would
 * pick the same centroid.
 */
class RowBounds {
  readonly assignment: Int32Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  private readonly twoGamma: number;
  private readonly length: Float64Array;
  private readonly pending: Int32Array;
  private maxNorm = 0;

  constructor(rows: QuantizedRows, n: number, d: number) {
    this.length = rows.length;
    this.assignment = new Int32Array(n);
    this.upper = new Float64Array(n);
    this.lower = new Float64Array(n);
    this.pending = new Int32Array(n);
    this.twoGamma = 2 * 1.01 * (d + 4) * 2 ** -24;
  }

  /** The largest centroid norm, which the rounding slack depends on. */
  setCentroidNorm(maxNorm: number): void {
    this.maxNorm = maxNorm;
  }

  slack(row: number): number {
    const reach = (this.length[row] as number) + this.maxNorm;
    return this.twoGamma * reach * reach;
  }

  /** ‖x‖² of row i as the bounds take it. */
  lengthSq(i: number): number {
    return (this.length[i] as number) ** 2;
  }

  certain(row: number): boolean {
    const u = this.upper[row] as number;
    const l = this.lower[row] as number;
    return l > 0 && l * l - u * u > this.slack(row);
  }

  /** The centroids moved: widen every bound, and list the rows that are no longer certain. */
  drift(drift: Float64Array): Int32Array {
    let [largest, at, second] = [0, -1, 0];
    drift.forEach((value, c) => {
      if (value > largest) [second, largest, at] = [largest, value, c];
      else if (value > second) second = value;
    });
    const { assignment, upper, lower, length, pending, twoGamma, maxNorm } = this;
    let count = 0;
    // One tight loop over every row (the certain() test written out): this runs N times per iteration.
    for (let i = 0; i < assignment.length; i++) {
      const own = assignment[i] as number;
      const u = (upper[i] as number) + (drift[own] as number);
      const l = (lower[i] as number) - (own === at ? second : largest);
      upper[i] = u;
      lower[i] = l;
      const reach = (length[i] as number) + maxNorm;
      if (!(l > 0 && l * l - u * u > twoGamma * reach * reach)) pending[count++] = i;
    }
    return pending.slice(0, count);
  }

  /** Bounds from exact float32 squared distances (lowest and runner-up) of row i. */
  setExact(i: number, first: number, second: number): void {
    const slack = this.slack(i) / 2;
    this.upper[i] = Math.sqrt(Math.max(0, first + slack));
    this.lower[i] = Math.sqrt(Math.max(0, second - slack));
  }

  /**
   * Bounds from a refinement (refine-kernel.ts): `own` and `other` bound the squared distances to the
   * nearest and the other candidates, `outside` is the lowest screening score of the rest.
   */
  setRefined(i: number, own: number, other: number, outside: number, bound: number): void {
    this.upper[i] = Math.sqrt(Math.max(0, own));
    this.lower[i] = Math.sqrt(Math.max(0, Math.min(other, this.lengthSq(i) + outside - bound)));
  }

  /**
   * For each pending row, what its refinement needs (refine-kernel.ts): a centroid scored more than
   * `margins` above the row's lowest is farther than the lowest's by more than the slack, so it need
   * not be measured; nor one scored more than `aheads` above a measured candidate's upper bound.
   */
  refinementLimits(pending: Int32Array, screenBounds: Float64Array, margins: Float64Array, aheads: Float64Array): void {
    for (let j = 0; j < pending.length; j++) {
      const row = pending[j] as number;
      const [bound, slack] = [screenBounds[j] as number, this.slack(row)];
      margins[j] = 2 * bound + slack;
      aheads[j] = bound + slack - this.lengthSq(row);
    }
  }

  /** Bounds from screening scores (squared distance − ‖x‖²) within ±bound of the exact ones. */
  setScreened(i: number, first: number, second: number, bound: number): void {
    const lengthSq = this.lengthSq(i);
    this.upper[i] = Math.sqrt(Math.max(0, lengthSq + first + bound));
    this.lower[i] = Math.sqrt(Math.max(0, lengthSq + second - bound));
  }
}

const sharedDoubles = (length: number) => new Float64Array(new SharedArrayBuffer(8 * length));

/**
 * The per-row arrays of a pass, allocated once for the run (a pass lists at most every row), not per
 * pass: allocating and zeroing eight arrays of up to n values was part of the serial time between
 * the scoring threads' work.
 */
class PassScratch {
  readonly scoreBounds: Float64Array;
  readonly undecided: Int32Array;
  private readonly n: number;
  private refining?: { margins: Float64Array; aheads: Float64Array; out: RefinedRows };

  constructor(n: number) {
    this.n = n;
    this.scoreBounds = new Float64Array(n);
    this.undecided = new Int32Array(n);
  }

  /** Room for the refinement of `count` listed rows: none of them marked refined yet. */
  refinement(count: number): { margins: Float64Array; aheads: Float64Array; out: RefinedRows } {
    // in shared memory, for every scoring thread
    this.refining ??= { margins: sharedDoubles(this.n), aheads: sharedDoubles(this.n), out: emptyRefinedRows(this.n) };
    const { margins, aheads, out } = this.refining;
    const { refined, nearest, own, other, outside } = out;
    refined.fill(0, 0, count);
    const part = { refined: refined.subarray(0, count), nearest: nearest.subarray(0, count), own: own.subarray(0, count), other: other.subarray(0, count), outside: outside.subarray(0, count) };
    return { margins: margins.subarray(0, count), aheads: aheads.subarray(0, count), out: part };
  }
}

export async function lloyd(
  x: Matrix,
  init: Matrix,
  maxIterations: number,
  onIteration?: (iteration: number) => void,
  options: LloydOptions = {},
): Promise<LloydResult> {
  // The rows in a kernel memory for the run, so that every scoring thread and the move kernel read
  // them without a copy.
  const lent = lendKernelRows(x.data);
  try {
    return await prunedLloyd({ ...x, data: lent.data }, init, maxIterations, onIteration, options);
  } finally {
    lent.release();
  }
}

async function prunedLloyd(
  x: Matrix,
  init: Matrix,
  maxIterations: number,
  onIteration: ((iteration: number) => void) | undefined,
  options: LloydOptions,
): Promise<LloydResult> {
  const { rows: n, cols: d } = x;
  const k = init.rows;
  let centroids = copyMatrix(init);
  const rows = await quantizeRows(x);
  const screening = (options.screening ?? true) && k > 1 && (await screeningAvailable());
  // Refined where the kernel runs: the JavaScript loop that stands in for it (same results) is slower
  // than the float32 step it would spare.
  const rowsMemory = kernelMemoryRef(x.data.buffer);
  const refining = options.refining ?? (rowsMemory !== undefined && refineKernelAvailable());
  const bounds = new RowBounds(rows, n, d);
  const sums = emptySums(k, d);
  const source = floatRows(x.data, n, d);
  // Row moves reach the sums in batches, groups of clusters split between the scoring threads; were
  // a thread to fail halfway, the sums are counted again from the assignment.
  const log = new MoveLog(sums, async (moves) => {
    if (await applyMovesInParallel(sums.sums, x.data, d, moves)) return;
    sums.sums.fill(0);
    sums.counts.fill(0);
    accumulate(sums, x, bounds.assignment);
  }, n); // room for the first assignment, which logs every row
  let changed = 0;

  /** Takes a row's new assignment, logging its move between the sums. */
  const assign = (row: number, cluster: number) => {
    const from = bounds.assignment[row] as number;
    if (from === cluster) return;
    log.add(row, from, cluster);
    bounds.assignment[row] = cluster;
    changed++;
  };
  const applyExact = (exact: LowestTwo) => {
    for (let j = 0; j < exact.rows.length; j++) {
      const row = exact.rows[j] as number;
      assign(row, exact.nearest[j] as number);
      bounds.setExact(row, exact.first[j] as number, exact.second[j] as number);
    }
  };

  const scratch = new PassScratch(n);
  /** What the screen of the pending rows needs to refine those it leaves undecided. */
  const refinementOf = (pending: Int32Array, screenBounds: Float64Array): Refinement => {
    const { margins, aheads, out } = scratch.refinement(pending.length);
    bounds.refinementLimits(pending, screenBounds, margins, aheads);
    return { x: x.data, rowsMemory, d, centroids: centroids.data, margins, aheads, out };
  };

  let undecidedShare = 0;
  /** The centroids last screened against, quantized: the next screen reuses the codes of those that did not move. */
  let lastScreened: { centroids: Matrix; quantized: QuantizedCentroids } | undefined;
  /**
   * Assigns the rows whose bounds are not certain: by the screen and its refinement where they settle
   * a row, else by the float32 step. `update`: the centroids before the latest update, and how far
   * each moved in it. Returns how many it screened, refined and computed exactly.
   */
  const settle = async (pending: Int32Array, update?: { previous: Matrix; drift: Float64Array }) => {
    let exactRows = pending;
    let [screened, refined] = [0, 0];
    if (screening && pending.length > 0 && undecidedShare < SCREEN_WORTH) {
      // Reused only when the last screen was against the centroids this update started from.
      const earlier = update && lastScreened?.centroids === update.previous ? { quantized: lastScreened.quantized, drift: update.drift } : undefined;
      const quantized = quantizeCentroids(centroids, earlier);
      lastScreened = { centroids, quantized };
      const scoreBounds = scratch.scoreBounds.subarray(0, pending.length);
      screenBounds(rows, quantized, pending, scoreBounds);
      const refinement = refining ? refinementOf(pending, scoreBounds) : undefined;
      const scores = await screenRows(rows, quantized, pending, refinement);
      const out = refinement?.out;
      const undecided = scratch.undecided;
      let count = 0;
      for (let j = 0; j < pending.length; j++) {
        const row = pending[j] as number;
        const bound = scoreBounds[j] as number;
        const isRefined = out !== undefined && out.refined[j] === 1;
        if (isRefined) bounds.setRefined(row, out.own[j] as number, out.other[j] as number, out.outside[j] as number, bound);
        else bounds.setScreened(row, scores.first[j] as number, scores.second[j] as number, bound);
        if (!bounds.certain(row)) undecided[count++] = row;
        else if (isRefined) {
          assign(row, out.nearest[j] as number);
          refined++;
        } else assign(row, scores.nearest[j] as number);
      }
      screened = pending.length;
      undecidedShare = count / pending.length;
      exactRows = undecided.subarray(0, count);
    } else {
      undecidedShare = 0; // try screening again next time
    }
    if (exactRows.length > 0) applyExact(await lowestTwoDistances(source, centroids, exactRows));
    return { screened, refined, exact: exactRows.length };
  };

  // First assignment: no bounds yet, every row settled from no cluster (so every row logs its move).
  bounds.assignment.fill(-1);
  bounds.setCentroidNorm(maxRowNorm(centroids));
  await settle(Int32Array.from({ length: n }, (_, i) => i));

  let iterations = 0;
  let reseeded = 0;
  while (iterations < maxIterations) {
    await log.flush();
    let update: ClusterSums = sums;
    if (sums.counts.includes(0)) {
      // Re-seeding takes the rows farthest from their centroids, by plain Lloyd's own distances.
      const { distance } = await nearestCentroids(x, centroids);
      update = copySums(sums);
      reseeded += reseedEmptyClusters(update, x, bounds.assignment, distance);
    }
    const previous = centroids;
    centroids = copyMatrix(previous);
    writeMeans(update, centroids);
    iterations++;
    onIteration?.(iterations);

    bounds.setCentroidNorm(maxRowNorm(centroids));
    const drift = centroidDrift(previous, centroids);
    const pending = bounds.drift(drift);
    changed = 0;
    const step = await settle(pending, { previous, drift });
    options.stats?.skipped.push(n - pending.length);
    options.stats?.screened.push(step.screened);
    options.stats?.refined.push(step.refined);
    options.stats?.exact.push(step.exact);
    // Same assignment again means the next update would give the same centroids: converged.
    if (changed === 0) break;
  }
  const distance = await assignedDistances(x, centroids, bounds.assignment);
  return { centroids, assignment: bounds.assignment, distance, inertia: sumOf(distance), iterations, reseeded };
}
