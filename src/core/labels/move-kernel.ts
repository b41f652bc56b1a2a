// Row moves between cluster sums through move-kernel.wat, which reads the rows where they lie (a
// kernel memory, kernel-memory.ts) and runs 3 to 6 times faster than the JavaScript loop of
// move-log.ts, with the same sums bit for bit. Each thread copies the move lists and, per group of
// clusters, their sums into its own scratch memory; those are small next to the rows they move.
import { kernelMemoryOf } from './kernel-memory.ts';
import { MOVE_KERNEL_WASM } from './move-kernel-wasm.ts';
import { applyMoves, type Moves } from './move-log.ts';
import { lazyModule, reserveBytes } from './wasm-module.ts';

/** Applies a fixed list of moves to the sums of clusters [first, end). */
export type MoveApplier = (sums: Float64Array, first: number, end: number) => void;

interface KernelExports {
  scratch: WebAssembly.Memory;
  applyMoves(x: number, d: number, moves: number, count: number, sums: number, first: number, end: number): void;
}

const kernelModule = lazyModule(MOVE_KERNEL_WASM);

/** Whether this runtime runs the kernel (the app's Node and Electron do; without it, the JavaScript loop). */
export function moveKernelAvailable(): boolean {
  return kernelModule() !== null;
}

/** Instances by the rows' memory, so that a thread instantiates once per kernel memory it is given. */
const instances = new WeakMap<WebAssembly.Memory, KernelExports>();

function kernelOver(memory: WebAssembly.Memory): KernelExports | undefined {
  let kernel = instances.get(memory);
  const module = kernelModule();
  if (!kernel && module) {
    kernel = new WebAssembly.Instance(module, { rows: { memory } }).exports as unknown as KernelExports;
    instances.set(memory, kernel);
  }
  return kernel;
}

/**
 * An applier of `moves` over the rows `x` (`d` wide): the kernel's when x lies in a kernel memory
 * (`memory`, which a worker receives with the task, or the one x was lent in) and this runtime runs
 * the kernel, else the JavaScript loop.
 */
export function moveApplier(x: Float32Array, d: number, moves: Moves, memory = kernelMemoryOf(x.buffer)): MoveApplier {
  const kernel = memory && kernelOver(memory);
  if (!kernel) return (sums, first, end) => applyMoves(sums, x, d, moves, first, end);
  const { count } = moves;
  // Scratch: the three move lists, then one group's sums (16-byte aligned for the vector loads).
  const listBytes = 12 * count;
  const sumsAt = Math.ceil(listBytes / 16) * 16;
  reserveBytes(kernel.scratch, sumsAt);
  const lists = new Int32Array(kernel.scratch.buffer, 0, 3 * count);
  lists.set(moves.rows.subarray(0, count), 0);
  lists.set(moves.from.subarray(0, count), count);
  lists.set(moves.to.subarray(0, count), 2 * count);
  return (sums, first, end) => {
    const values = (end - first) * d;
    reserveBytes(kernel.scratch, sumsAt + 8 * values);
    // A new view each time: growing the scratch memory detaches the old ones.
    const groupSums = new Float64Array(kernel.scratch.buffer, sumsAt, values);
    groupSums.set(sums.subarray(first * d, end * d));
    kernel.applyMoves(x.byteOffset, d, 0, count, sumsAt, first, end);
    sums.set(groupSums, first * d);
  };
}
