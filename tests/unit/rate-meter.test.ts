import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../src/core/jobs/rate-meter.ts';

describe('RateMeter', () => {
  it('measures a steady rate and the time left', () => {
    const meter = new RateMeter();
    expect(meter.update(0, 0)).toBeNull();
    let rate: number | null = null;
    for (let second = 1; second <= 10; second++) rate = meter.update(second * 50, second * 1000);
    expect(rate).toBeCloseTo(50, 6);
    expect(RateMeter.eta(500, 1000, rate)).toBeCloseTo(10, 6);
  });

  it('smooths a sudden change instead of jumping to it', () => {
    const meter = new RateMeter(3000);
    meter.update(0, 0);
    meter.update(100, 1000); // 100/s
    const rate = meter.update(110, 2000) as number; // 10/s for one second
    expect(rate).toBeGreaterThan(10);
    expect(rate).toBeLessThan(100);
  });

  it('keeps the ETA steady through the pauses of a training run', () => {
    // 2 steps/s for 10 s, then a 15 s pause (checkpoint, preview), over and over; progress read every second.
    const meter = new RateMeter();
    const total = 2000;
    let done = 0;
    const etas: number[] = [];
    for (let second = 0; second <= 600; second++) {
      const inCycle = second % 25;
      if (second > 0 && inCycle > 0 && inCycle <= 10) done += 2;
      const eta = RateMeter.eta(done, total, meter.update(done, second * 1000));
      if (second >= 60 && eta !== null) etas.push(eta / ((total - done) / 0.8)); // against the true 20 steps per 25 s
    }
    expect(etas.length).toBeGreaterThan(500);
    expect(Math.min(...etas)).toBeGreaterThan(0.75);
    expect(Math.max(...etas)).toBeLessThan(1.35);
  });

  it('shows no ETA once a job has made no progress for a whole span', () => {
    const meter = new RateMeter(30_000);
    for (let second = 0; second <= 10; second++) meter.update(second * 5, second * 1000);
    let rate: number | null = null;
    for (let second = 11; second <= 45; second++) rate = meter.update(50, second * 1000);
    expect(rate).toBe(0);
    expect(RateMeter.eta(50, 100, rate)).toBeNull();
  });

  it('starts again when the count goes back', () => {
    const meter = new RateMeter();
    for (let second = 0; second <= 5; second++) meter.update(second * 100, second * 1000);
    expect(meter.update(0, 6000)).toBeNull(); // a new phase: no rate until it has two readings
    expect(meter.update(10, 7000)).toBeCloseTo(10, 6);
  });

  it('has no ETA without a total or a rate', () => {
    expect(RateMeter.eta(5, null, 10)).toBeNull();
    expect(RateMeter.eta(5, 10, null)).toBeNull();
    expect(RateMeter.eta(5, 10, 0)).toBeNull();
  });
});
