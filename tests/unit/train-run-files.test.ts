import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendMetric, latestPreviews, readMetrics, tailLines } from '../../src/core/train/run-files.ts';
import { tempDir } from '../support/temp.ts';

describe('training run files', () => {
  const root = tempDir();

  it('reads the loss curve in step order, merging validation points into their step', () => {
    const file = join(root, 'metrics-a.jsonl');
    appendMetric(file, { resumeFrom: 0 });
    appendMetric(file, { step: 10, loss: 0.9, imagesPerSecond: 50 });
    appendMetric(file, { step: 20, loss: 0.7, imagesPerSecond: 55 });
    appendMetric(file, { step: 20, valLoss: 0.8 });
    expect(readMetrics(file)).toEqual([
      { step: 10, loss: 0.9, valLoss: null, imagesPerSecond: 50 },
      { step: 20, loss: 0.7, valLoss: 0.8, imagesPerSecond: 55 },
    ]);
  });

  it('drops the points a resumed trainer repeats after its checkpoint, keeping the new ones', () => {
    const file = join(root, 'metrics-b.jsonl');
    appendMetric(file, { resumeFrom: 0 });
    for (const step of [10, 20, 30, 40]) appendMetric(file, { step, loss: 1, imagesPerSecond: 1 });
    // killed after step 40 with its last checkpoint at 20: steps 30 and 40 run again
    appendMetric(file, { resumeFrom: 20 });
    appendMetric(file, { step: 30, loss: 0.5, imagesPerSecond: 2 });
    const curve = readMetrics(file);
    expect(curve.map((point) => [point.step, point.loss])).toEqual([
      [10, 1],
      [20, 1],
      [30, 0.5],
    ]);
  });

  it('skips a line cut by a crash and thins long curves to at most maxPoints, keeping the last', () => {
    const file = join(root, 'metrics-c.jsonl');
    for (let step = 1; step <= 1000; step++) appendMetric(file, { step, loss: 1 / step, imagesPerSecond: 1 });
    writeFileSync(file, '{"step": 1001, "lo', { flag: 'a' });
    const curve = readMetrics(file, 100);
    expect(curve.length).toBeLessThanOrEqual(100);
    expect(curve.length).toBeGreaterThan(90);
    expect(curve.at(-1)?.step).toBe(1000);
    expect(curve.map((point) => point.step)).toEqual([...curve.map((point) => point.step)].sort((a, b) => a - b));
    expect(readMetrics(join(root, 'absent.jsonl'))).toEqual([]);
  });

  it('finds the newest preview grid of each guidance weight', () => {
    const dir = join(root, 'previews');
    mkdirSync(dir);
    for (const name of ['step_00000100_w0.png', 'step_00000200_w0.png', 'step_00000100_w2.png', 'step_00000200_w2.png', 'step_00000300_w0.5.png', 'notes.txt', 'step_1_w2.png']) {
      writeFileSync(join(dir, name), 'x');
    }
    expect(latestPreviews(dir)).toEqual([
      { step: 200, w: 0, file: 'step_00000200_w0.png' },
      { step: 300, w: 0.5, file: 'step_00000300_w0.5.png' },
      { step: 200, w: 2, file: 'step_00000200_w2.png' },
    ]);
    expect(latestPreviews(join(root, 'none'))).toEqual([]);
  });

  it('tails a log, reading only its end', () => {
    const file = join(root, 'train.log');
    writeFileSync(file, `${Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n')}\n`);
    expect(tailLines(file, 3)).toEqual(['line 19997', 'line 19998', 'line 19999']);
    expect(tailLines(join(root, 'missing.log'), 3)).toEqual([]);
  });
});
