// The WebAssembly move kernel must give the sums the JavaScript loop gives, bit for bit: the k-means
// run's exactness (labels-lloyd-exact) rests on it. And what runs must be what the .wat says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelMemoryCount, kernelMemoryOf, kernelMemoryRef, lendKernelRows, receivedKernelMemory } from '../../src/core/labels/kernel-memory.ts';
import { moveApplier, moveKernelAvailable } from '../../src/core/labels/move-kernel.ts';
import { applyMoves, type Moves } from '../../src/core/labels/move-log.ts';
import { seededRng } from '../../src/core/labels/rng.ts';
import { generatedModule, generatedPath, kernelSources } from '../../scripts/wasm-kernels.ts';

const rng = seededRng(21);

function randomMoves(count: number, rows: number, clusters: number): Moves {
  const pick = (limit: number) => Int32Array.from({ length: count }, () => Math.floor(rng.next() * limit));
  const moves = { rows: pick(rows), from: pick(clusters), to: pick(clusters), count };
  for (let i = 0; i < count; i += 7) moves.from[i] = -1; // rows added from nowhere, as the first assignment does
  return moves;
}

/** Sums that are not round, so that every addition rounds. */
function startingSums(clusters: number, d: number): Float64Array {
  return Float64Array.from({ length: clusters * d }, (_, i) => Math.sin(i) * 1e3);
}

/** Rows of wide-ranging magnitudes in a kernel memory (on loan), the view starting `skip` rows into it. */
function kernelRows(rows: number, d: number, skip: number): Float32Array {
  const all = Float32Array.from({ length: (rows + skip) * d }, () => (rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 8 - 4));
  const lent = lendKernelRows(all);
  lent.release(); // nothing else borrows a kernel memory during these tests
  return lent.data.subarray(skip * d);
}

describe('row move kernel', () => {
  it('compiles on this runtime', () => {
    expect(moveKernelAvailable()).toBe(true);
  });

  for (const d of [384, 383, 5]) {
    it(`moves ${d}-wide rows between the sums of groups of clusters bit for bit as the JavaScript loop`, () => {
      const [rows, clusters] = [900, 23];
      const x = kernelRows(rows, d, 3); // a view that does not start at the memory's first byte
      expect(kernelMemoryOf(x.buffer)).toBeDefined();
      const moves = randomMoves(4000, rows, clusters);
      const [byLoop, byKernel] = [startingSums(clusters, d), startingSums(clusters, d)];
      applyMoves(byLoop, x, d, moves, 0, clusters);
      const apply = moveApplier(x, d, moves);
      for (const [first, end] of [[0, 9], [9, 10], [10, clusters]] as const) apply(byKernel, first, end);
      expect(Array.from(byKernel)).toEqual(Array.from(byLoop));
    });
  }

  it('moves rows narrower than one vector read, from the first byte of the kernel memory', () => {
    const [rows, clusters, d] = [50, 4, 2];
    const x = kernelRows(rows, d, 0);
    const moves = randomMoves(300, rows, clusters);
    const [byLoop, byKernel] = [startingSums(clusters, d), startingSums(clusters, d)];
    applyMoves(byLoop, x, d, moves, 0, clusters);
    moveApplier(x, d, moves)(byKernel, 0, clusters);
    expect(Array.from(byKernel)).toEqual(Array.from(byLoop));
  });

  it('grows its scratch memory for long move lists and wide groups, and shrinks to short ones again', () => {
    const [rows, d, clusters] = [20_000, 64, 300]; // lists of 240 KB, one group's sums 150 KB
    const x = kernelRows(rows, d, 0);
    for (const count of [20_000, 50]) {
      const moves = randomMoves(count, rows, clusters);
      const [byLoop, byKernel] = [startingSums(clusters, d), startingSums(clusters, d)];
      applyMoves(byLoop, x, d, moves, 0, clusters);
      moveApplier(x, d, moves)(byKernel, 0, clusters);
      expect(Array.from(byKernel)).toEqual(Array.from(byLoop));
    }
  });

  it('falls back to the JavaScript loop for rows outside a kernel memory', () => {
    const [rows, d, clusters] = [200, 16, 5];
    const x = Float32Array.from({ length: rows * d }, () => rng.next());
    expect(kernelMemoryOf(x.buffer)).toBeUndefined();
    const moves = randomMoves(500, rows, clusters);
    const [byLoop, byApplier] = [startingSums(clusters, d), startingSums(clusters, d)];
    applyMoves(byLoop, x, d, moves, 0, clusters);
    moveApplier(x, d, moves)(byApplier, 0, clusters);
    expect(Array.from(byApplier)).toEqual(Array.from(byLoop));
  });

  it('lends a few kernel memories again and again rather than making one per matrix', () => {
    // V8 frees a shared WebAssembly.Memory only in a full garbage collection: one per matrix would pile up.
    const before = kernelMemoryCount();
    const matrices = Array.from({ length: 20 }, (_, i) => new Float32Array(1000 * (i + 1)).fill(i));
    for (const matrix of matrices) {
      const lent = lendKernelRows(matrix);
      expect(Array.from(lent.data.subarray(0, 3))).toEqual([matrix[0], matrix[1], matrix[2]]);
      expect(lent.data.length).toBe(matrix.length);
      lent.release();
    }
    expect(kernelMemoryCount()).toBeLessThanOrEqual(Math.max(before, 1));
    // Two loans at once get two memories; the same rows lent again come back without a copy.
    const [first, second] = [lendKernelRows(matrices[0]!), lendKernelRows(matrices[1]!)];
    expect(kernelMemoryOf(first.data.buffer)).not.toBe(kernelMemoryOf(second.data.buffer));
    expect(Array.from(first.data.subarray(0, 2))).toEqual([0, 0]);
    first.release();
    second.release();
    const again = lendKernelRows(matrices[1]!);
    expect(again.data).toBe(second.data);
    again.release();
  });

  it('gives a receiving thread one memory object per kernel memory, whichever message brought it', () => {
    // A worker's kernels are instantiated per memory object; each message clones a new one.
    const lent = lendKernelRows(new Float32Array(64).fill(3));
    const ref = kernelMemoryRef(lent.data.buffer);
    lent.release();
    expect(ref).toBeDefined();
    const [once, twice] = [structuredClone(ref), structuredClone(ref)];
    expect(once!.memory).not.toBe(twice!.memory);
    expect(receivedKernelMemory(twice)).toBe(receivedKernelMemory(once));
    expect(new Float32Array(receivedKernelMemory(once)!.buffer, 0, 1)[0]).toBe(3);
    expect(receivedKernelMemory(undefined)).toBeUndefined();
  });

  it('runs the binary its .wat source assembles to (npm run build:wasm)', async () => {
    const sources = kernelSources();
    expect(sources.some((source) => source.endsWith('move-kernel.wat'))).toBe(true);
    for (const source of sources) expect(readFileSync(generatedPath(source), 'utf8')).toBe(await generatedModule(source));
  });
});
