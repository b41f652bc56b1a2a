// Items per second and time left, over a sliding window so that the numbers a user reads neither jump
// with every update nor collapse during a short pause. A training run stops for a checkpoint or a
// preview every few hundred steps: an average over the last few seconds fell to ~0 in each pause and
// the ETA leapt from 2 minutes to 27 and back (the demo's log, 2026-11-29); over a window longer than
// such a cycle the rate is the cycle's own average, pauses included, which is what the ETA needs.

interface Sample {
  time: number;
  done: number;
}

export class RateMeter {
  private readonly windowMs: number;
  private samples: Sample[] = [];

  constructor(windowMs = 30_000) {
    this.windowMs = windowMs;
  }

  /** Records that `done` items are finished at time `now` (ms); returns the rate in items/s over the window. */
  update(done: number, now: number): number | null {
    const last = this.samples.at(-1);
    if (last && done < last.done) this.samples = []; // counting started again
    if (!last || now > last.time) this.samples.push({ time: now, done });
    // Keep the newest sample at or before the window's start, so that the window stays spanned.
    while (this.samples.length > 2 && (this.samples[1] as Sample).time <= now - this.windowMs) this.samples.shift();
    const oldest = this.samples[0] as Sample;
    const newest = this.samples.at(-1) as Sample;
    if (newest.time <= oldest.time) return null;
    return ((newest.done - oldest.done) * 1000) / (newest.time - oldest.time);
  }

  static eta(done: number, total: number | null, rate: number | null): number | null {
    if (total === null || rate === null || rate <= 0) return null;
    return Math.max(0, (total - done) / rate);
  }
}
