// Loading the WebAssembly kernels of the labels code (*.wat, assembled into *-wasm.ts): compiled once
// per thread on first use, or null where the runtime lacks a feature they use (SIMD, multi-memory);
// each kernel's caller then takes its JavaScript path, which gives the same results.

/** A getter of the compiled module from its base64 binary. */
export function lazyModule(base64: string): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        compiled = new WebAssembly.Module(Buffer.from(base64, 'base64'));
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}

const PAGE_BYTES = 65536;

/** Grows `memory` to at least `bytes` (its earlier views are detached if it grew). */
export function reserveBytes(memory: WebAssembly.Memory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE_BYTES));
}
