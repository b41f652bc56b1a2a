// The expected mutual information of two labelings under the permutation model (Vinh, Epps and
// Bailey 2010), the correction term of AMI, summed in the same order and log-space form as
// scikit-learn's _expected_mutual_info_fast.pyx so the two agree to rounding.
import type { Contingency } from './contingency.ts';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const SMALL_LOG_FACTORIALS = (() => {
  const table = [0];
  for (let m = 1; m < 32; m++) table.push((table[m - 1] as number) + Math.log(m));
  return table;
})();

/** ln(m!) for an integer m ≥ 0: exact sums below 32, Stirling's series (error < 1e-15) above. */
export function logFactorial(m: number): number {
  if (m < SMALL_LOG_FACTORIALS.length) return SMALL_LOG_FACTORIALS[m] as number;
  const x = m + 1;
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
}

export function expectedMutualInformation({ n, a, b }: Contingency): number {
  // A labeling with a single group has zero entropy and so zero expected information.
  if (a.length === 1 || b.length === 1) return 0;
  const logN = Math.log(n);
  const lnNFactorial = logFactorial(n);
  let emi = 0;
  for (const ai of a) {
    for (const bj of b) {
      const base = logFactorial(ai) + logFactorial(bj) + logFactorial(n - ai) + logFactorial(n - bj) - lnNFactorial;
      const logAB = Math.log(ai) + Math.log(bj);
      for (let nij = Math.max(1, ai - n + bj); nij <= Math.min(ai, bj); nij++) {
        // P(n_ij) from the hypergeometric distribution, in log space to avoid overflowing factorials.
        const logP = base - logFactorial(nij) - logFactorial(ai - nij) - logFactorial(bj - nij) - logFactorial(n - ai - bj + nij);
        emi += (nij / n) * (logN + Math.log(nij) - logAB) * Math.exp(logP);
      }
    }
  }
  return emi;
}
