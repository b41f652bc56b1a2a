// The one signature every sampler has (k-diffusion style: a flat function of a model, the initial noise
// and a schedule), and the x̂0 prediction the samplers share.
import type { SamplingSchedule } from './schedule.ts';

/** ε(x_t, t) for a whole batch (already guided, see guidance.ts); t is the timestep index. */
export type EpsModel = (x: Float32Array, t: number) => Promise<Float32Array>;

export interface StepInfo {
  /** 1-based number of the finished step */
  step: number;
  total: number;
  /** timestep the model was called at */
  t: number;
  /** the clipped x̂0 predicted at this step, for a live preview (do not keep a reference: copy it) */
  x0: Float32Array;
}

export interface SamplerHooks {
  /** Checked before every step; when it returns true the sampler throws SampleCancelledError. */
  isCancelled?: () => boolean;
  onStep?: (info: StepInfo) => void;
}

export type Sampler = (model: EpsModel, noise: Float32Array, schedule: SamplingSchedule, hooks?: SamplerHooks) => Promise<Float32Array>;

export class SampleCancelledError extends Error {
  override name = 'SampleCancelledError';
  readonly completedSteps: number;
  constructor(completedSteps: number) {
    super(`sampling cancelled after ${completedSteps} step(s)`);
    this.completedSteps = completedSteps;
  }
}

export function throwIfCancelled(hooks: SamplerHooks, completedSteps: number): void {
  if (hooks.isCancelled?.()) throw new SampleCancelledError(completedSteps);
}

/**
 * x̂0 = (x − √(1−ᾱ)·ε)/√ᾱ clipped to [−1, 1], and ε recomputed from the clipped x̂0 (as ADM and the
 * trainer do), so that x̂0 and ε stay consistent with x.
 */
export function predictX0(x: Float32Array, eps: Float32Array, alphaCumprod: number): { x0: Float32Array; eps: Float32Array } {
  const [a, s] = [Math.sqrt(alphaCumprod), Math.sqrt(1 - alphaCumprod)];
  const x0 = new Float32Array(x.length);
  const epsClipped = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const x0i = Math.min(1, Math.max(-1, (xi - s * (eps[i] as number)) / a));
    x0[i] = x0i;
    epsClipped[i] = (xi - a * x0i) / s;
  }
  return { x0, eps: epsClipped };
}

export function clipToUnit(x: Float32Array): Float32Array {
  return x.map((v) => Math.min(1, Math.max(-1, v)));
}
