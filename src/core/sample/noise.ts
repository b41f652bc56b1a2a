// Seeded Gaussian noise for x_T: the same seed gives the same images on every platform and run.
// Generator: mulberry32 (32-bit state, src/core/labels/rng.ts) feeding the Box–Muller transform, two
// normals per pair of uniforms, in order. It is not PyTorch's generator: a seed here and `--seed` in the
// trainer give different noise (parity checks pass the noise explicitly).
import { seededRng } from '../labels/rng.ts';

export function gaussianNoise(seed: number, count: number): Float32Array {
  const rng = seededRng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - rng.next(); // in (0, 1]: log(0) never happens
    const u2 = rng.next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    out[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
