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

  it('has no ETA without a total or a rate', () => {
    expect(RateMeter.eta(5, null, 10)).toBeNull();
    expect(RateMeter.eta(5, 10, null)).toBeNull();
    expect(RateMeter.eta(5, 10, 0)).toBeNull();
  });
});
