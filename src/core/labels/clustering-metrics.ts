// Clustering quality against imported ground-truth labels, computed as scikit-learn computes it:
// NMI and AMI with arithmetic-mean normalisation, ARI from the pair confusion matrix, and purity
// (the share of images in their cluster's majority class), which the UI shows as a percentage.
import { contingency, type Contingency, type Labels } from './contingency.ts';
import { expectedMutualInformation } from './expected-mutual-information.ts';

const EPS = 2 ** -52; // numpy's finfo(float64).eps

function entropy(sizes: number[], n: number): number {
  if (n === 0) return 1; // scikit-learn's convention for an empty labeling
  if (sizes.length === 1) return 0;
  return -sizes.reduce((sum, size) => sum + (size / n) * (Math.log(size) - Math.log(n)), 0);
}

function mutualInformation({ n, a, b, cells }: Contingency): number {
  if (a.length === 1 || b.length === 1) return 0;
  let mi = 0;
  for (const { row, col, count } of cells) {
    const p = count / n;
    const term = p * (Math.log(count) - Math.log(n)) + p * (-Math.log((a[row] as number) * (b[col] as number)) + 2 * Math.log(n));
    mi += Math.abs(term) < EPS ? 0 : term;
  }
  return Math.max(0, mi);
}

/** Both labelings put everything in one group (or are empty): scikit-learn's perfect-match case. */
function trivialMatch(c: Contingency): boolean {
  return c.a.length === c.b.length && c.a.length <= 1;
}

export function normalizedMutualInfo(truth: Labels, predicted: Labels): number {
  const c = contingency(truth, predicted);
  if (trivialMatch(c)) return 1;
  const mi = mutualInformation(c);
  if (mi === 0) return 0;
  return mi / ((entropy(c.a, c.n) + entropy(c.b, c.n)) / 2);
}

/** Keeps x away from zero with its sign, as scikit-learn does for AMI's numerator and denominator. */
function awayFromZero(x: number): number {
  return x < 0 ? Math.min(x, -EPS) : Math.max(x, EPS);
}

export function adjustedMutualInfo(truth: Labels, predicted: Labels): number {
  const c = contingency(truth, predicted);
  if (trivialMatch(c)) return 1;
  if (c.a.length === 1 || c.b.length === 1) return 0;
  const mi = mutualInformation(c);
  const emi = expectedMutualInformation(c);
  const normalizer = (entropy(c.a, c.n) + entropy(c.b, c.n)) / 2;
  return awayFromZero(mi - emi) / awayFromZero(normalizer - emi);
}

export function adjustedRandIndex(truth: Labels, predicted: Labels): number {
  const { n, a, b, cells } = contingency(truth, predicted);
  // Pair confusion matrix: pairs together in both (tp), in the truth only (fn), in the prediction only (fp).
  const sumSquares = cells.reduce((sum, cell) => sum + cell.count * cell.count, 0);
  const tp = sumSquares - n;
  const fp = cells.reduce((sum, cell) => sum + cell.count * (b[cell.col] as number), 0) - sumSquares;
  const fn = cells.reduce((sum, cell) => sum + cell.count * (a[cell.row] as number), 0) - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

export function purity(truth: Labels, predicted: Labels): number {
  const { n, b, cells } = contingency(truth, predicted);
  if (n === 0) return 1;
  const majority = new Array<number>(b.length).fill(0);
  for (const { col, count } of cells) majority[col] = Math.max(majority[col] as number, count);
  return majority.reduce((sum, count) => sum + count, 0) / n;
}

export interface ClusteringScores {
  nmi: number;
  ami: number;
  ari: number;
  purity: number;
}

export function clusteringScores(truth: Labels, predicted: Labels): ClusteringScores {
  return {
    nmi: normalizedMutualInfo(truth, predicted),
    ami: adjustedMutualInfo(truth, predicted),
    ari: adjustedRandIndex(truth, predicted),
    purity: purity(truth, predicted),
  };
}
