// The incremental M-step of the pruned Lloyd loop, batched: rows that change cluster are logged as
// they are decided and their sums moved together before the next update. Each cluster's sums receive
// the same additions and subtractions in the same order as moving the rows one by one would give, so
// the result is bit for bit the same; what batching buys is that the clusters can be split between
// threads (scoring-pool.ts), which then share no sum.
import type { ClusterSums } from './centroid-update.ts';

/** Rows to move, in order; `from` −1 adds a row without taking it from a cluster. */
export interface Moves {
  rows: Int32Array;
  from: Int32Array;
  to: Int32Array;
  count: number;
}

/** Applies the moves' parts that touch clusters [first, end) to the sums (x: row-major, `d` wide). */
export function applyMoves(sums: Float64Array, x: Float32Array, d: number, moves: Moves, first: number, end: number): void {
  const { rows, from, to, count } = moves;
  for (let i = 0; i < count; i++) {
    const source = from[i]!;
    const destination = to[i]!;
    const takes = source >= first && source < end;
    const gives = destination >= first && destination < end;
    if (!takes && !gives) continue;
    const row = rows[i]! * d;
    if (takes) for (let j = 0, at = source * d; j < d; j++) sums[at + j]! -= x[row + j]!;
    if (gives) for (let j = 0, at = destination * d; j < d; j++) sums[at + j]! += x[row + j]!;
  }
}

/** A growing log of moves whose counts change at once and whose sums change on `flush`. */
export class MoveLog {
  private moves: Moves;
  private readonly target: ClusterSums;
  private readonly flushMoves: (moves: Moves) => Promise<void>;

  /** `flushMoves` applies a batch of moves to the target's sums. */
  constructor(target: ClusterSums, flushMoves: (moves: Moves) => Promise<void>, capacity = 1024) {
    this.target = target;
    this.flushMoves = flushMoves;
    this.moves = { rows: new Int32Array(capacity), from: new Int32Array(capacity), to: new Int32Array(capacity), count: 0 };
  }

  /** Logs row → cluster `to` (from cluster `from`, or from nowhere when −1). */
  add(row: number, from: number, to: number): void {
    let { moves } = this;
    if (moves.count === moves.rows.length) moves = this.moves = this.grown(Math.max(1024, 2 * moves.count));
    moves.rows[moves.count] = row;
    moves.from[moves.count] = from;
    moves.to[moves.count] = to;
    moves.count++;
    if (from >= 0) this.target.counts[from]!--;
    this.target.counts[to]!++;
  }

  /** Moves the logged rows' values between the sums and empties the log. */
  async flush(): Promise<void> {
    if (this.moves.count === 0) return;
    await this.flushMoves(this.moves);
    this.moves.count = 0;
  }

  private grown(capacity: number): Moves {
    const grow = (values: Int32Array) => {
      const bigger = new Int32Array(capacity);
      bigger.set(values);
      return bigger;
    };
    return { rows: grow(this.moves.rows), from: grow(this.moves.from), to: grow(this.moves.to), count: this.moves.count };
  }
}
