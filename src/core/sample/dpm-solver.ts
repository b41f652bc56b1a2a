// DPM-Solver++(2M) (Lu et al. 2022, multistep second order in the data prediction x̂0, as k-diffusion's
// `sample_dpmpp_2m`), over the same schedule, model and x̂0 clipping as DDIM. With h = λ_t − λ_s,
// λ = log(√ᾱ/√(1−ᾱ)):  x_t = (σ_t/σ_s)·x_s − α_t·(e^{−h} − 1)·D, where D = x̂0 on the first step and
// D = (1 + 1/2r)·x̂0 − (1/2r)·x̂0_prev afterwards (r = h_prev/h). First order alone is exactly DDIM.
import { clipToUnit, predictX0, type Sampler, throwIfCancelled } from './sampler.ts';

const lambda = (alphaCumprod: number) => 0.5 * Math.log(alphaCumprod / (1 - alphaCumprod));

export const sampleDpmSolver2M: Sampler = async (model, noise, schedule, hooks = {}) => {
  const { timesteps, alphasCumprod } = schedule;
  let x = Float32Array.from(noise);
  let previous: { x0: Float32Array; h: number } | null = null;
  for (let i = 0; i < timesteps.length; i++) {
    throwIfCancelled(hooks, i);
    const t = timesteps[i] as number;
    const [aS, aT] = [alphasCumprod[i] as number, alphasCumprod[i + 1] as number];
    const { x0 } = predictX0(x, await model(x, t), aS);
    const h = lambda(aT) - lambda(aS);
    const ratio = Math.sqrt((1 - aT) / (1 - aS));
    const scale = -Math.sqrt(aT) * Math.expm1(-h);
    const prev = previous?.x0;
    const half = previous ? 1 / (2 * (previous.h / h)) : 0;
    x = x.map((xj, j) => {
      const d = prev ? (1 + half) * (x0[j] as number) - half * (prev[j] as number) : (x0[j] as number);
      return ratio * xj + scale * d;
    });
    previous = { x0, h };
    hooks.onStep?.({ step: i + 1, total: timesteps.length, t, x0 });
  }
  return clipToUnit(x);
};
