// The log-SNR spacing for DPM-Solver++(2M): uniform steps in λ = ½·log(ᾱ/(1−ᾱ)) from the noisiest
// timestep to ᾱ[0], and what it buys on the Gaussian test problem at few steps.
import { describe, expect, it } from 'vitest';
import { SAMPLERS } from '../../src/core/sample/generate.ts';
import { gaussianNoise } from '../../src/core/sample/noise.ts';
import { ddimSchedule, logSnrSchedule } from '../../src/core/sample/schedule.ts';
import { ABAR, abarAt, exactFlow, gaussianEps, maxAbsDiff } from '../support/gaussian-flow.ts';

const lambda = (abar: number) => 0.5 * Math.log(abar / (1 - abar));

describe('log-SNR spacing', () => {
  it('starts at the noisiest timestep, descends, lands on ᾱ[0], with steps uniform in λ up to rounding', () => {
    const { timesteps, alphasCumprod } = logSnrSchedule(ABAR, 10);
    expect(timesteps).toHaveLength(10);
    expect(timesteps[0]).toBe(999);
    expect(timesteps.every((t, i) => i === 0 || t < timesteps[i - 1]!)).toBe(true);
    expect(alphasCumprod.at(-1)).toBe(abarAt(0));
    const gaps = alphasCumprod.slice(1).map((a, i) => lambda(a) - lambda(alphasCumprod[i]!));
    const ideal = (lambda(abarAt(0)) - lambda(abarAt(999))) / 10;
    // rounding to integer timesteps moves λ by at most half a timestep's λ change (largest at small t)
    expect(Math.max(...gaps.map((gap) => Math.abs(gap - ideal)))).toBeLessThan(0.2 * ideal);
  });

  it('drops timesteps that rounding merges, and refuses impossible step counts', () => {
    expect(logSnrSchedule(ABAR, 500).timesteps.length).toBeLessThan(500);
    expect(new Set(logSnrSchedule(ABAR, 500).timesteps).size).toBe(logSnrSchedule(ABAR, 500).timesteps.length);
    expect(() => logSnrSchedule(ABAR, 0)).toThrow(RangeError);
  });

  it('makes DPM-Solver++(2M) far more accurate than the uniform spacing at 10 and 20 steps (Gaussian data, exact flow)', async () => {
    const noise = gaussianNoise(11, 256);
    const error = async (spacing: typeof ddimSchedule, steps: number) => {
      const schedule = spacing(ABAR, steps);
      return maxAbsDiff(await SAMPLERS['dpmpp-2m'](gaussianEps, noise, schedule), exactFlow(noise, schedule.alphasCumprod[0]!, abarAt(0)));
    };
    const [uniform10, logsnr10, uniform20, logsnr20] = await Promise.all([error(ddimSchedule, 10), error(logSnrSchedule, 10), error(ddimSchedule, 20), error(logSnrSchedule, 20)]);
    expect(logsnr10).toBeLessThan(uniform10 / 3);
    expect(logsnr20).toBeLessThan(uniform20 / 3);
  });
});
