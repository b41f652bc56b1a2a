// The DDPM noise schedule of SPEC §5 and the DDIM timestep spacing of SPEC §6, exactly as the trainer's
// reference sampler (trainer/selfguide_trainer/diffusion/schedule.py, sampler.py) computes them.
// Schedule arithmetic stays in float64, like the trainer's.

/** betas = linspace(√start, √end, T)² (the LDM "linear" schedule). */
export function linearSqrtBetas(numTimesteps: number, start: number, end: number): Float64Array {
  const [a, b] = [Math.sqrt(start), Math.sqrt(end)];
  const step = numTimesteps > 1 ? (b - a) / (numTimesteps - 1) : 0;
  return Float64Array.from({ length: numTimesteps }, (_, i) => (a + i * step) ** 2);
}

/** ᾱ_t = Π_{s ≤ t} (1 − β_s). */
export function alphasCumprod(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let product = 1;
  betas.forEach((beta, t) => (out[t] = product *= 1 - beta));
  return out;
}

/**
 * LDM uniform spacing, ascending: τ_i = i·c + 1 with c = T // S, i = 0 … S−1. At most T − 1 steps:
 * S = T would put the last timestep at T, past the end of the schedule.
 */
export function ddimTimesteps(steps: number, numTimesteps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > numTimesteps - 1) {
    throw new RangeError(`steps must be an integer in [1, ${numTimesteps - 1}], got ${steps}`);
  }
  const c = Math.floor(numTimesteps / steps);
  return Array.from({ length: steps }, (_, i) => i * c + 1);
}

/**
 * What every sampler walks through, noisiest first: the model is called at `timesteps[i]`, whose ᾱ is
 * `alphasCumprod[i]`; `alphasCumprod` has one more entry, the ᾱ the last step lands on (ᾱ[0], as in
 * the trainer). This plays the role of k-diffusion's `sigmas` (which also end with the target level).
 */
export interface SamplingSchedule {
  readonly timesteps: readonly number[];
  readonly alphasCumprod: readonly number[];
}

export function ddimSchedule(alphasCumprodTable: Float64Array, steps: number): SamplingSchedule {
  const timesteps = ddimTimesteps(steps, alphasCumprodTable.length).reverse();
  const at = (t: number) => alphasCumprodTable[t] as number;
  return { timesteps, alphasCumprod: [...timesteps.map(at), at(0)] };
}
