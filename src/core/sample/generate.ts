// One call from a loaded model to samples: seeded (or given) noise, the model's schedule, guidance and a
// sampler. What a job, the CLI and the parity test use; the pieces stay usable on their own.
import { sampleDdim } from './ddim.ts';
import type { DiffusionModel } from './diffusion-model.ts';
import { sampleDpmSolver2M } from './dpm-solver.ts';
import { type Condition, guidedEps } from './guidance.ts';
import type { GuidanceForm } from './model-spec.ts';
import { gaussianNoise } from './noise.ts';
import type { Sampler, SamplerHooks } from './sampler.ts';
import { alphasCumprod, ddimSchedule, linearSqrtBetas, logSnrSchedule, type SamplingSchedule } from './schedule.ts';

export const SAMPLERS = { ddim: sampleDdim, 'dpmpp-2m': sampleDpmSolver2M } satisfies Record<string, Sampler>;
export type SamplerName = keyof typeof SAMPLERS;

/** Timestep spacing: the LDM uniform one (the reference, DDIM's), or uniform in log-SNR (for DPM-Solver++). */
export const SPACINGS = { uniform: ddimSchedule, logsnr: logSnrSchedule };
export type Spacing = keyof typeof SPACINGS;

export interface GenerateOptions {
  count: number;
  steps: number;
  /** guidance weight in `form`'s convention */
  w: number;
  form?: GuidanceForm;
  sampler?: SamplerName;
  spacing?: Spacing;
  /** seed of the initial noise (see noise.ts); ignored when `noise` is given */
  seed?: number;
  /** explicit x_T [count, C, H, W] */
  noise?: Float32Array;
  /** required for conditional models */
  condition?: Condition | null;
  hooks?: SamplerHooks;
}

/** Returns `count` images [count, C, H, W] in [−1, 1]. */
export async function generate(model: DiffusionModel, options: GenerateOptions): Promise<Float32Array> {
  const { count, steps, w, form = 'imagen', sampler = 'ddim', spacing = 'uniform', seed = 0, condition = null, hooks } = options;
  const noise = options.noise ?? gaussianNoise(seed, count * model.imageSize);
  if (noise.length !== count * model.imageSize) {
    throw new RangeError(`noise has ${noise.length} values; ${count} images need ${count * model.imageSize}`);
  }
  return SAMPLERS[sampler](guidedEps(model, count, condition, w, form), noise, samplingSchedule(model, steps, spacing), hooks);
}

/** The timesteps a generation visits (log-SNR spacing may merge a few at large step counts). */
export function samplingSchedule(model: Pick<DiffusionModel, 'spec'>, steps: number, spacing: Spacing = 'uniform'): SamplingSchedule {
  const { num_timesteps, beta_start, beta_end } = model.spec.schedule;
  return SPACINGS[spacing](alphasCumprod(linearSqrtBetas(num_timesteps, beta_start, beta_end)), steps);
}
