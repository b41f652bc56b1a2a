import { describe, expect, it } from 'vitest';
import { SAMPLERS } from '../../src/core/sample/generate.ts';
import { gaussianNoise } from '../../src/core/sample/noise.ts';
import { type EpsModel, SampleCancelledError, type StepInfo } from '../../src/core/sample/sampler.ts';
import { ddimSchedule } from '../../src/core/sample/schedule.ts';
import { ABAR, abarAt, exactFlow, gaussianEps, maxAbsDiff } from '../support/gaussian-flow.ts';

describe.each(Object.entries(SAMPLERS))('%s', (_name, sampler) => {
  const noise = gaussianNoise(3, 64);

  it('reports every step with its timestep and a clipped x̂0 preview', async () => {
    const schedule = ddimSchedule(ABAR, 5);
    const seen: StepInfo[] = [];
    await sampler(gaussianEps, noise, schedule, { onStep: (info) => seen.push({ ...info, x0: info.x0.slice() }) });
    expect(seen.map((s) => [s.step, s.total, s.t])).toEqual(schedule.timesteps.map((t, i) => [i + 1, 5, t]));
    expect(seen.every((s) => s.x0.length === noise.length && s.x0.every((v) => v >= -1 && v <= 1))).toBe(true);
  });

  it('stops between steps when cancelled, without calling the model again', async () => {
    let calls = 0;
    const counting: EpsModel = (x, t) => (calls++, gaussianEps(x, t));
    const error = await sampler(counting, noise, ddimSchedule(ABAR, 10), { isCancelled: () => calls >= 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SampleCancelledError);
    expect((error as SampleCancelledError).completedSteps).toBe(3);
    expect(calls).toBe(3);
  });

  it('does not modify the noise it is given and returns values in [−1, 1]', async () => {
    const before = noise.slice();
    const out = await sampler(async (x) => x.map(() => -3), noise, ddimSchedule(ABAR, 4));
    expect(noise).toEqual(before);
    expect(out.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

});

describe('DPM-Solver++(2M) against DDIM', () => {
  const noise = gaussianNoise(11, 256);

  it('is DDIM exactly when the model always predicts the same x̂0 (the second-order term vanishes)', async () => {
    const target = gaussianNoise(12, 256).map((v) => Math.tanh(v));
    const fixedX0: EpsModel = async (x, t) => {
      const abar = abarAt(t);
      return x.map((v, i) => (v - Math.sqrt(abar) * (target[i] as number)) / Math.sqrt(1 - abar));
    };
    const schedule = ddimSchedule(ABAR, 10);
    const [ddim, dpm] = await Promise.all([SAMPLERS.ddim(fixedX0, noise, schedule), SAMPLERS['dpmpp-2m'](fixedX0, noise, schedule)]);
    expect(maxAbsDiff(ddim, dpm)).toBeLessThan(1e-5);
  });

  // Error against the exact flow at 50 and 200 steps: DDIM is first order (4× fewer steps, about 4× the
  // error), DPM-Solver++(2M) second order (> 8×). With the LDM uniform-t spacing, whose last steps are
  // long in log-SNR, neither is accurate at 10–20 steps here (both ≈ 0.1), so no claim is made there.
  it('converges to the exact probability-flow solution for Gaussian data, at first and second order', async () => {
    const error = async (name: keyof typeof SAMPLERS, steps: number) => {
      const schedule = ddimSchedule(ABAR, steps);
      return maxAbsDiff(await SAMPLERS[name](gaussianEps, noise, schedule), exactFlow(noise, schedule.alphasCumprod[0]!, abarAt(0)));
    };
    const [ddim50, ddim200, dpm50, dpm200] = await Promise.all([error('ddim', 50), error('ddim', 200), error('dpmpp-2m', 50), error('dpmpp-2m', 200)]);
    expect(ddim200).toBeLessThan(0.01);
    expect(ddim50 / ddim200).toBeGreaterThan(3);
    expect(ddim50 / ddim200).toBeLessThan(5);
    expect(dpm200).toBeLessThan(0.003);
    expect(dpm50 / dpm200).toBeGreaterThan(8);
    expect(dpm50).toBeLessThan(ddim50);
  });
});
