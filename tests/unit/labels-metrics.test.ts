import { describe, expect, it } from 'vitest';
import { adjustedMutualInfo, adjustedRandIndex, clusteringScores, normalizedMutualInfo, purity } from '../../src/core/labels/clustering-metrics.ts';
import { logFactorial } from '../../src/core/labels/expected-mutual-information.ts';

// Reference values: scikit-learn 1.9.1 normalized_mutual_info_score, adjusted_mutual_info_score and
// adjusted_rand_score (defaults: arithmetic normalisation) on the same labelings, printed with repr().
const REFERENCE = {
  A: { nmi: 0.6420636924126106, ami: 0.6306422639534308, ari: 0.5890133607573633 },
  B: { nmi: 0.27528841032392637, ami: 0.26885102047447496, ari: 0.10947629727688035 },
  C: { nmi: 0.7999999999999999, ami: 0.5714285714285714, ari: 0.5714285714285714 },
  D: { nmi: 0.4580652856440157, ami: 0.1058917157629293, ari: 0.09090909090909091 },
};

function expectScores(truth: ArrayLike<string | number>, predicted: ArrayLike<string | number>, expected: { nmi: number; ami: number; ari: number }) {
  const scores = clusteringScores(truth, predicted);
  expect(scores.nmi).toBeCloseTo(expected.nmi, 12);
  expect(scores.ami).toBeCloseTo(expected.ami, 12);
  expect(scores.ari).toBeCloseTo(expected.ari, 12);
}

describe('clustering metrics', () => {
  it('equal scikit-learn on a structured labeling with an extra cluster (A)', () => {
    const truth = Array.from({ length: 200 }, (_, i) => i % 5);
    const predicted = truth.map((c, i) => (i % 11 === 0 ? 6 : (c + (i % 7 === 0 ? 1 : 0)) % 5));
    expectScores(truth, predicted, REFERENCE.A);
  });

  it('equal scikit-learn on 1,000 weakly related labels, 10 classes × 12 clusters (B)', () => {
    // Python: s = (s·1103515245 + 12345) mod 2³¹ from s = 12345; class s mod 10, then the cluster is
    // the class when the next s mod 3 = 0, else that s mod 12.
    let s = 12345n;
    const step = () => (s = (s * 1103515245n + 12345n) % 2n ** 31n);
    const truth: number[] = [];
    const predicted: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const c = Number(step() % 10n);
      truth.push(c);
      const r = step();
      predicted.push(r % 3n === 0n ? c : Number(r % 12n));
    }
    expectScores(truth, predicted, REFERENCE.B);
  });

  it('equal scikit-learn on small cases, string labels included (C, D)', () => {
    expectScores([0, 0, 1, 2], [0, 0, 1, 1], REFERENCE.C);
    expectScores(['cat', 'cat', 'dog', 'dog', 'bird'], [1, 1, 1, 0, 0], REFERENCE.D);
  });

  it('follow scikit-learn in the limit cases', () => {
    // A renamed perfect match; both labelings one group; one side one group.
    expect(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 12);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(normalizedMutualInfo([3, 3, 3], [1, 1, 1])).toBe(1);
    expect(adjustedMutualInfo([3, 3, 3], [1, 1, 1])).toBe(1);
    expect(normalizedMutualInfo([0, 1, 2, 3], [0, 0, 0, 0])).toBe(0);
    expect(adjustedMutualInfo([0, 1, 2, 3], [0, 0, 0, 0])).toBe(0);
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(RangeError);
  });

  it('purity is the share of each cluster in its majority class', () => {
    expect(purity([0, 0, 1, 2], [0, 0, 1, 1])).toBe(3 / 4);
    expect(purity(['cat', 'cat', 'dog', 'dog', 'bird'], [1, 1, 1, 0, 0])).toBe(3 / 5);
    expect(purity([0, 1, 2], [0, 1, 2])).toBe(1);
  });

  it('log-factorials are exact sums for small m and match them for large m', () => {
    let sum = 0;
    for (let m = 1; m <= 200; m++) {
      sum += Math.log(m);
      expect(logFactorial(m)).toBeCloseTo(sum, 9);
    }
    expect(logFactorial(0)).toBe(0);
  });
});
