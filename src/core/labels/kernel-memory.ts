// Shared memory the WebAssembly kernels can read in place: the rows a k-means run moves between its
// cluster sums (move-kernel.ts). A WebAssembly.Memory made `shared` has a SharedArrayBuffer as its
// buffer, so rows copied into one are still shared memory for the scoring threads and for ONNX
// Runtime. Such memories are few and lent out, never dropped: V8 frees a shared WebAssembly.Memory
// only in a full garbage collection, which allocating them does not bring about (300 dropped 40 MB
// memories stayed resident, 11.5 GB, where SharedArrayBuffers of the same size among the same other
// allocations were freed as they went). So the process keeps, per k-means run going on at once, one
// memory the size of the largest rows it has run on.

const PAGE_BYTES = 65536;
const MAX_PAGES = 65536; // 4 GiB, all a 32-bit WebAssembly address reaches

interface Arena {
  /** its number in this thread, by which other threads recognize it */
  id: number;
  memory: WebAssembly.Memory;
  busy: boolean;
  /** the rows last copied in, and their copy (the same view each time, so caches keyed by it hold) */
  source?: WeakRef<Float32Array>;
  copy?: Float32Array;
}

const arenas: Arena[] = [];
const memories = new WeakMap<ArrayBufferLike, Arena>();

/** Rows lent in a kernel memory until `release` (then the memory may hold other rows). */
export interface KernelRows {
  data: Float32Array;
  release(): void;
}

/**
 * `data` in a kernel memory: copied into an idle one, unless it still holds these rows from an
 * earlier loan (restarts on the same rows copy them once; rows must not change in place meanwhile,
 * as for the quantization cache). Rows beyond 4 GiB stay where they are, and the kernels' callers
 * take their JavaScript path.
 */
export function lendKernelRows(data: Float32Array): KernelRows {
  const pages = Math.max(1, Math.ceil(data.byteLength / PAGE_BYTES));
  if (pages > MAX_PAGES) return { data, release: () => undefined };
  const idle = arenas.filter((arena) => !arena.busy);
  const arena =
    idle.find((candidate) => candidate.source?.deref() === data) ??
    idle.sort((a, b) => b.memory.buffer.byteLength - a.memory.buffer.byteLength)[0] ??
    newArena();
  arena.busy = true;
  if (arena.source?.deref() !== data || !arena.copy) {
    const missing = pages - arena.memory.buffer.byteLength / PAGE_BYTES;
    if (missing > 0) arena.memory.grow(missing);
    const buffer = arena.memory.buffer; // a new SharedArrayBuffer object once the memory has grown
    memories.set(buffer, arena);
    arena.copy = new Float32Array(buffer, 0, data.length);
    arena.copy.set(data);
    arena.source = new WeakRef(data);
  }
  return { data: arena.copy, release: () => void (arena.busy = false) };
}

function newArena(): Arena {
  const arena = { id: arenas.length, memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }), busy: false };
  arenas.push(arena);
  return arena;
}

/** How many kernel memories this thread keeps (for tests). */
export function kernelMemoryCount(): number {
  return arenas.length;
}

/** The WebAssembly memory `buffer` is, when it is a kernel memory's. */
export function kernelMemoryOf(buffer: ArrayBufferLike): WebAssembly.Memory | undefined {
  return memories.get(buffer)?.memory;
}

/** A kernel memory as a task carries it to a scoring worker: the memory and its number. */
export interface KernelMemoryRef {
  id: number;
  memory: WebAssembly.Memory;
}

/** `buffer`'s kernel memory as a task names it, when it is one. */
export function kernelMemoryRef(buffer: ArrayBufferLike): KernelMemoryRef | undefined {
  const arena = memories.get(buffer);
  return arena && { id: arena.id, memory: arena.memory };
}

// Each message brings a new WebAssembly.Memory object for the same memory; the first one is kept, so
// that the kernels a thread instantiates over it (keyed by the object) serve every later task.
const received = new Map<number, WebAssembly.Memory>();

/** The memory a task names, as the same object every time in this thread. */
export function receivedKernelMemory(ref: KernelMemoryRef | undefined): WebAssembly.Memory | undefined {
  if (!ref) return undefined;
  const known = received.get(ref.id);
  if (known) return known;
  received.set(ref.id, ref.memory);
  return ref.memory;
}
