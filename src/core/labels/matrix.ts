// Row-major float32 matrices: the one shape features take in the labels code.

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) throw new RangeError(`matrix of ${rows}×${cols} needs ${rows * cols} values, got ${data.length}`);
  return { data, rows, cols };
}

/** A view (no copy) of rows [start, end). */
export function rowSlice(m: Matrix, start: number, end: number): Matrix {
  return { data: m.data.subarray(start * m.cols, end * m.cols), rows: end - start, cols: m.cols };
}

/**
 * Zeroed float32 values in shared memory: the matrices k-means runs on are made here, so that the
 * scoring threads of scoring-pool.ts read them without a copy.
 */
export function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

/** A copy of the listed rows, in that order. */
export function gatherRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = sharedFloats(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i] as number;
    out.set(m.data.subarray(row * m.cols, (row + 1) * m.cols), i * m.cols);
  }
  return { data: out, rows: indices.length, cols: m.cols };
}

/** Rows scaled to unit L2 norm (zero rows stay zero), as a new matrix. */
export function l2NormalizeRows(m: Matrix): Matrix {
  const out = sharedFloats(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    const offset = r * m.cols;
    let sum = 0;
    for (let c = 0; c < m.cols; c++) sum += (m.data[offset + c] as number) ** 2;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let c = 0; c < m.cols; c++) out[offset + c] = (m.data[offset + c] as number) * scale;
  }
  return { data: out, rows: m.rows, cols: m.cols };
}
