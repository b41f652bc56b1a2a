import { describe, expect, it } from 'vitest';
import { alphasCumprod, ddimSchedule, ddimTimesteps, linearSqrtBetas } from '../../src/core/sample/schedule.ts';

// Reference values from the trainer (selfguide_trainer.diffusion.schedule.Diffusion, float64, torch 2.13).
const TRAINER = [
  { t: 0, beta: 0.0001, abar: 0.9999 },
  { t: 1, beta: 0.00010264836435083402, abar: 0.9997973619004856 },
  { t: 500, beta: 0.005742071067688485, abar: 0.33127457951725564 },
  { t: 999, beta: 0.02, abar: 0.0007334124595808148 },
];

describe('noise schedule', () => {
  const betas = linearSqrtBetas(1000, 1e-4, 0.02);
  const abar = alphasCumprod(betas);

  it.each(TRAINER)('matches the trainer at t = $t', ({ t, beta, abar: expected }) => {
    expect(betas[t]).toBeCloseTo(beta, 15);
    expect(Math.abs((abar[t] as number) - expected)).toBeLessThan(1e-13);
  });

  it('ᾱ falls strictly from 1 − β0', () => {
    expect(abar.every((a, t) => t === 0 || a < (abar[t - 1] as number))).toBe(true);
  });
});

describe('DDIM timesteps (LDM uniform spacing)', () => {
  it('are τ_i = i·(T // S) + 1', () => {
    expect(ddimTimesteps(10, 1000)).toEqual([1, 101, 201, 301, 401, 501, 601, 701, 801, 901]);
    expect(ddimTimesteps(3, 1000)).toEqual([1, 334, 667]);
    expect(ddimTimesteps(999, 1000)).toEqual(Array.from({ length: 999 }, (_, i) => i + 1));
  });

  it('refuse a step count outside [1, T − 1] (T steps would reach t = T, past the table)', () => {
    for (const steps of [0, 1000, 2.5]) expect(() => ddimTimesteps(steps, 1000)).toThrow(RangeError);
  });

  it('are visited from the largest, and the last step lands on ᾱ[0]', () => {
    const abar = alphasCumprod(linearSqrtBetas(1000, 1e-4, 0.02));
    const schedule = ddimSchedule(abar, 4);
    expect(schedule.timesteps).toEqual([751, 501, 251, 1]);
    expect(schedule.alphasCumprod).toEqual([abar[751], abar[501], abar[251], abar[1], abar[0]]);
  });
});
