// Shared memory the WebAssembly kernels can read in place. A WebAssembly.Memory made `shared` has a
// SharedArrayBuffer as its buffer, so a matrix allocated in one is shared memory for the scoring
// threads as before, and a kernel (move-kernel.ts) can also import it and read the rows without a
// copy. Matrices past what a 32-bit memory holds get a plain SharedArrayBuffer, which the kernels
// cannot read: their callers keep a JavaScript path for that.

const PAGE_BYTES = 65536;
const MAX_PAGES = 65536; // 4 GiB, all a 32-bit WebAssembly address reaches

const memories = new WeakMap<ArrayBufferLike, WebAssembly.Memory>();

/** `bytes` zeroed bytes of shared memory, in a WebAssembly memory when they fit in one. */
export function sharedBytes(bytes: number): SharedArrayBuffer {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  if (pages > MAX_PAGES) return new SharedArrayBuffer(bytes);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const buffer = memory.buffer as SharedArrayBuffer;
  memories.set(buffer, memory);
  return buffer;
}

/** The WebAssembly memory `buffer` is, when it was made by sharedBytes. */
export function kernelMemoryOf(buffer: ArrayBufferLike): WebAssembly.Memory | undefined {
  return memories.get(buffer);
}
