// Data x0 ~ N(μ, s²) per value, for which the probability-flow ODE has a known exact solution: a test
// problem for the samplers' order of convergence.
import type { EpsModel } from '../../src/core/sample/sampler.ts';
import { alphasCumprod, linearSqrtBetas } from '../../src/core/sample/schedule.ts';

export const ABAR = alphasCumprod(linearSqrtBetas(1000, 1e-4, 0.02));
export const abarAt = (t: number) => ABAR[t] as number;
export const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);

/**
 * The exact ε is σ·(x − αμ)/(α²s² + σ²) (α = √ᾱ, σ = √(1−ᾱ)), and the flow keeps
 * z = (x − αμ)/√(α²s² + σ²) constant, so its exact solution is known.
 */
const [MU, S] = [0.1, 0.2];
const variance = (abar: number) => abar * S * S + 1 - abar;
export const gaussianEps: EpsModel = async (x, t) => {
  const abar = abarAt(t);
  return x.map((v) => (Math.sqrt(1 - abar) * (v - Math.sqrt(abar) * MU)) / variance(abar));
};
export function exactFlow(x: Float32Array, from: number, to: number): Float32Array {
  return x.map((v) => Math.sqrt(to) * MU + Math.sqrt(variance(to) / variance(from)) * (v - Math.sqrt(from) * MU));
}
