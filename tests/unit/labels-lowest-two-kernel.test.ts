// The lowest-two reduction replaced ONNX Runtime's ArgMin + GatherElements + ReduceMin (with the
// lowest column masked): per row the lowest score, its column (ties: the lowest) and the second
// lowest (equal to the lowest when it occurs twice). The k-means run's exactness rests on getting
// exactly that, for every width of row, and on taking each score as scale · value + bias in float32.
import { describe, expect, it } from 'vitest';
import { LowestTwoReducer, lowestTwoKernelAvailable, withReducer, type ScoreAffine } from '../../src/core/labels/lowest-two-kernel.ts';
import type { LowestTwo } from '../../src/core/labels/lowest-two.ts';
import { seededRng } from '../../src/core/labels/rng.ts';

const rng = seededRng(5);

/** Scores with many ties (few distinct values), both zeros and infinities. */
function tiedScores(n: number, k: number): Float32Array {
  const palette = [-3.5, -1, -0, 0, 0.25, 2, Infinity, -1e-30];
  return Float32Array.from({ length: n * k }, () => (rng.next() < 0.5 ? palette[Math.floor(rng.next() * palette.length)]! : rng.next() * 8 - 4));
}

/** The graph's semantics written out: ArgMin's first lowest, then the minimum of the other columns. */
function expected(scores: Float32Array, n: number, k: number): { nearest: number[]; first: number[]; second: number[] } {
  const nearest: number[] = [];
  const first: number[] = [];
  const second: number[] = [];
  for (let row = 0; row < n; row++) {
    const values = Array.from(scores.subarray(row * k, (row + 1) * k));
    const column = values.indexOf(Math.min(...values));
    nearest.push(column);
    first.push(values[column]!);
    second.push(Math.min(Infinity, ...values.filter((_, j) => j !== column)));
  }
  return { nearest, first, second };
}

/** Scale 1 and bias 0: the scores as they are. */
function identity(n: number, k: number): ScoreAffine {
  return { scales: new Float32Array(n).fill(1), biases: new Float32Array(k) };
}

function reduced(reducer: LowestTwoReducer, scores: Float32Array, n: number, k: number, affine = identity(n, k)): LowestTwo {
  const into = { rows: new Int32Array(n + 2), nearest: new Int32Array(n + 2), first: new Float32Array(n + 2), second: new Float32Array(n + 2) };
  (reducer.scores(n, k).data as Float32Array).set(scores);
  reducer.reduce(n, k, affine, into, 2); // written from row 2 of the result on
  return { rows: into.rows, nearest: into.nearest.subarray(2), first: into.first.subarray(2), second: into.second.subarray(2) };
}

describe('lowest-two reduction', () => {
  it('runs as WebAssembly on this runtime', () => {
    expect(lowestTwoKernelAvailable()).toBe(true);
  });

  for (const [name, useKernel] of [['kernel', true], ['JavaScript loop', false]] as const) {
    it(`gives ArgMin's column and the masked minimum for rows 1 to 101 wide (${name})`, () => {
      const reducer = new LowestTwoReducer(useKernel);
      for (const k of [1, 2, 3, 4, 5, 7, 8, 9, 100, 101]) {
        const n = 300;
        const scores = tiedScores(n, k);
        const got = reduced(reducer, scores, n, k);
        const want = expected(scores, n, k);
        expect(Array.from(got.nearest), `k = ${k}`).toEqual(want.nearest);
        // toEqual tells −0 from 0 (adding a zero bias turns −0 into 0); a zero's sign does not matter to the bounds
        expect(Array.from(got.first).map((v) => v + 0), `k = ${k}`).toEqual(want.first.map((v) => Math.fround(v) + 0));
        expect(Array.from(got.second).map((v) => v + 0), `k = ${k}`).toEqual(want.second.map((v) => Math.fround(v) + 0));
      }
    });
  }

  for (const [name, useKernel] of [['kernel', true], ['JavaScript loop', false]] as const) {
    it(`takes each score as its row's scale times the value plus its column's bias, rounded as float32 (${name})`, () => {
      const reducer = new LowestTwoReducer(useKernel);
      for (const k of [3, 8, 101]) {
        const n = 200;
        const values = tiedScores(n, k).map((v) => (Number.isFinite(v) ? v * 1e4 : 0));
        const affine = { scales: Float32Array.from({ length: n }, () => rng.next() * 1e-3), biases: Float32Array.from({ length: k }, () => rng.next() * 3) };
        const scores = values.map((v, i) => Math.fround(Math.fround(affine.scales[Math.floor(i / k)]! * v) + affine.biases[i % k]!));
        const got = reduced(reducer, values, n, k, affine);
        const want = expected(scores, n, k);
        expect(Array.from(got.nearest), `k = ${k}`).toEqual(want.nearest);
        expect(Array.from(got.first), `k = ${k}`).toEqual(want.first);
        expect(Array.from(got.second).map((v) => v + 0), `k = ${k}`).toEqual(want.second.map((v) => v + 0));
      }
    });
  }

  it('takes the first of equal lowest scores, even when a later lane holds it first in its lane', () => {
    const reducer = new LowestTwoReducer();
    // columns 6 and 1 both hold −2: column 1 wins; the second lowest is then −2 too
    const scores = Float32Array.of(5, -2, 4, 3, 9, 9, -2, 7, 8);
    const got = reduced(reducer, scores, 1, 9);
    expect([got.nearest[0], got.first[0], got.second[0]]).toEqual([1, -2, -2]);
  });

  it('gives each scoring loop of a thread its own scratch while they overlap', async () => {
    const seen: LowestTwoReducer[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = withReducer(async (reducer) => {
      seen.push(reducer);
      await held;
    });
    await withReducer(async (reducer) => {
      seen.push(reducer);
    });
    release();
    await first;
    expect(seen[0]).not.toBe(seen[1]);
  });
});
