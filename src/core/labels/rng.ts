// A small seeded generator (mulberry32) so that k-means init, restarts and sampling are repeatable
// for a seed on every platform, which Math.random is not.

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
}

export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/** `count` distinct indices from [0, n), in random order (partial Fisher–Yates). */
export function sampleWithoutReplacement(rng: Rng, n: number, count: number): Int32Array {
  if (count > n) throw new RangeError(`cannot sample ${count} of ${n}`);
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const swap = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = swap;
  }
  return pool.slice(0, count);
}
