// Items per second and time left, measured over the last 30 s so that the numbers a user reads
// neither jump with every update nor collapse during a short pause. A training run stops for a
// checkpoint or a preview every few hundred steps: an average over the last few seconds fell to ~0 in
// each pause and the ETA leapt from 2 minutes to 27 and back (the demo's log, 2026-11-29); over a span
// longer than such a cycle the rate is the cycle's own average, pauses included, which the ETA needs.

interface Sample {
  time: number;
  done: number;
}

export class RateMeter {
  private readonly spanMs: number;
  private samples: Sample[] = [];

  constructor(spanMs = 30_000) {
    this.spanMs = spanMs;
  }

  /** Records that `done` items are finished at time `now` (ms); returns the rate in items/s over the span. */
  update(done: number, now: number): number | null {
    const last = this.samples.at(-1);
    if (last && done < last.done) this.samples = []; // counting started again
    if (!last || now > last.time) this.samples.push({ time: now, done });
    // Keep the newest sample at or before the span's start, so that the whole span is covered.
    while (this.samples.length > 2 && (this.samples[1] as Sample).time <= now - this.spanMs) this.samples.shift();
    const oldest = this.samples[0] as Sample;
    const newest = this.samples.at(-1) as Sample;
    if (newest.time <= oldest.time) return null;
    return ((newest.done - oldest.done) * 1000) / (newest.time - oldest.time);
  }

  /** Counts from `done` at `now` on: what was done before (skipped, or by an earlier run) is no rate. */
  restart(done: number, now: number): void {
    this.samples = [{ time: now, done }];
  }

  static eta(done: number, total: number | null, rate: number | null): number | null {
    if (total === null || rate === null || rate <= 0) return null;
    return Math.max(0, (total - done) / rate);
  }
}
