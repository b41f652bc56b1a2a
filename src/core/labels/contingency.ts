// The contingency table of two labelings (rows: true classes, columns: predicted clusters), the
// common input of NMI, AMI, ARI and purity. Labels may be numbers or strings (folder names).

export type Labels = ArrayLike<string | number>;

export interface Contingency {
  n: number;
  /** row sums (class sizes) and column sums (cluster sizes) */
  a: number[];
  b: number[];
  /** the non-zero cells */
  cells: { row: number; col: number; count: number }[];
}

function indexLabels(labels: Labels): { ids: Int32Array; count: number } {
  const index = new Map<string | number, number>();
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string | number;
    let id = index.get(label);
    if (id === undefined) index.set(label, (id = index.size));
    ids[i] = id;
  }
  return { ids, count: index.size };
}

export function contingency(truth: Labels, predicted: Labels): Contingency {
  if (truth.length !== predicted.length) throw new RangeError(`labelings differ in length: ${truth.length} and ${predicted.length}`);
  const rows = indexLabels(truth);
  const cols = indexLabels(predicted);
  const a = new Array<number>(rows.count).fill(0);
  const b = new Array<number>(cols.count).fill(0);
  const counts = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const [row, col] = [rows.ids[i] as number, cols.ids[i] as number];
    a[row]!++;
    b[col]!++;
    const key = row * cols.count + col;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const cells = Array.from(counts, ([key, count]) => ({ row: Math.floor(key / cols.count), col: key % cols.count, count }));
  return { n: truth.length, a, b, cells };
}
