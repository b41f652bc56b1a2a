// Items per second and time left, smoothed so the numbers a user reads do not jump around.

export class RateMeter {
  private readonly halfLifeMs: number;
  private lastTime: number | null = null;
  private lastDone = 0;
  private smoothed: number | null = null;

  constructor(halfLifeMs = 3000) {
    this.halfLifeMs = halfLifeMs;
  }

  /** Records that `done` items are finished at time `now` (ms); returns the smoothed rate in items/s. */
  update(done: number, now: number): number | null {
    if (this.lastTime === null || done < this.lastDone) {
      this.lastTime = now;
      this.lastDone = done;
      return this.smoothed;
    }
    const elapsed = now - this.lastTime;
    if (elapsed <= 0) return this.smoothed;
    const instant = ((done - this.lastDone) * 1000) / elapsed;
    // Exponential moving average weighted by elapsed time, so irregular updates average correctly.
    const keep = Math.pow(0.5, elapsed / this.halfLifeMs);
    this.smoothed = this.smoothed === null ? instant : keep * this.smoothed + (1 - keep) * instant;
    this.lastTime = now;
    this.lastDone = done;
    return this.smoothed;
  }

  static eta(done: number, total: number | null, rate: number | null): number | null {
    if (total === null || rate === null || rate <= 0) return null;
    return Math.max(0, (total - done) / rate);
  }
}
