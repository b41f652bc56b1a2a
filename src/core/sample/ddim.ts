// DDIM with η = 0 (Song et al. 2021), the reference sampler of SPEC §6; the same steps as the trainer's
// `ddim_sample`: x ← √ᾱ_prev·x̂0 + √(1−ᾱ_prev)·ε̃, with x̂0 clipped and ε̃ recomputed from it.
import { clipToUnit, predictX0, type Sampler, throwIfCancelled } from './sampler.ts';

export const sampleDdim: Sampler = async (model, noise, schedule, hooks = {}) => {
  const { timesteps, alphasCumprod } = schedule;
  let x = Float32Array.from(noise);
  for (let i = 0; i < timesteps.length; i++) {
    throwIfCancelled(hooks, i);
    const t = timesteps[i] as number;
    const { x0, eps } = predictX0(x, await model(x, t), alphasCumprod[i] as number);
    const aPrev = alphasCumprod[i + 1] as number;
    const [a, s] = [Math.sqrt(aPrev), Math.sqrt(1 - aPrev)];
    x = x0.map((x0j, j) => a * x0j + s * (eps[j] as number));
    hooks.onStep?.({ step: i + 1, total: timesteps.length, t, x0 });
  }
  return clipToUnit(x);
};
