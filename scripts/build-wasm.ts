// Assembles the WebAssembly kernels of src/core (see wasm-kernels.ts). Usage: npm run build:wasm
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { generatedModule, generatedPath, kernelSources } from './wasm-kernels.ts';

for (const source of kernelSources()) {
  try {
    writeFileSync(generatedPath(source), await generatedModule(source));
  } catch (error) {
    // Only the message: a thrown wabt error prints its whole minified source with it.
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  console.log(`${relative(process.cwd(), source)} → ${relative(process.cwd(), generatedPath(source))}`);
}
