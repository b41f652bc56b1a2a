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

/**
 * Log-SNR ("time-uniform in λ", DPM-Solver §3.3) spacing: S + 1 points uniform in λ = ½·log(ᾱ/(1−ᾱ))
 * from λ(T−1) to λ(0); the model is called at the first S of them, each rounded to the nearest timestep
 * (the last lands on ᾱ[0], as in ddimSchedule). It spends more steps at low noise than the LDM spacing,
 * where DPM-Solver++'s steps are otherwise longest in λ. Rounding may merge neighbours at large S:
 * duplicates are dropped, so a schedule can have a few fewer steps than asked.
 */
export function logSnrSchedule(alphasCumprodTable: Float64Array, steps: number): SamplingSchedule {
  const last = alphasCumprodTable.length - 1;
  if (!Number.isInteger(steps) || steps < 1 || steps > last) throw new RangeError(`steps must be an integer in [1, ${last}], got ${steps}`);
  const lambdas = Array.from(alphasCumprodTable, (a) => 0.5 * Math.log(a / (1 - a)));
  const [start, end] = [lambdas[last] as number, lambdas[0] as number];
  const nearest = (target: number) => {
    let best = 1;
    for (let t = 1; t <= last; t++) if (Math.abs((lambdas[t] as number) - target) < Math.abs((lambdas[best] as number) - target)) best = t;
    return best;
  };
  const timesteps = [...new Set(Array.from({ length: steps }, (_, i) => nearest(start + ((end - start) * i) / steps)))];
  const at = (t: number) => alphasCumprodTable[t] as number;
  return { timesteps, alphasCumprod: [...timesteps.map(at), at(0)] };
}
