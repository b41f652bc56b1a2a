import { describe, expect, it } from 'vitest';
import { LineSplitter, parseTrainerLine } from '../../src/core/train/trainer-events.ts';

describe('trainer JSON-line events', () => {
  it('parses every event the trainer prints', () => {
    expect(parseTrainerLine('{"event": "step", "step": 20, "loss": 0.25, "lr": 0.0003, "images_per_s": 81.5, "eta_s": 12.0, "epoch": 2, "skipped": 1}')).toEqual({
      event: 'step',
      step: 20,
      loss: 0.25,
      lr: 0.0003,
      images_per_s: 81.5,
      eta_s: 12,
      epoch: 2,
      skipped: 1,
    });
    expect(parseTrainerLine('{"event": "preview", "path": "/r/previews/step_00000020_w2.png", "step": 20, "w": 2.0, "guidance": "imagen"}')).toMatchObject({
      event: 'preview',
      w: 2,
    });
    expect(parseTrainerLine('{"event": "val", "step": 20, "loss": 0.9, "best": true}')).toMatchObject({ event: 'val', loss: 0.9, best: true });
    expect(parseTrainerLine('{"event": "checkpoint", "path": "/r/checkpoints/step_00000020.pt", "step": 20, "best": false}')).toMatchObject({ step: 20 });
    expect(parseTrainerLine('{"event": "stopped", "step": 7, "skipped": 0, "best_val": null, "checkpoints": "/r"}')).toMatchObject({ event: 'stopped', step: 7 });
    expect(parseTrainerLine('{"event": "error", "message": "no training rows"}')).toEqual({ event: 'error', message: 'no training rows' });
    expect(parseTrainerLine('{"event": "export", "onnx": "/m/model.onnx", "json": "/m/model.json", "step": 20, "max_abs_diff": 1e-9}')).toMatchObject({
      event: 'export',
      step: 20,
    });
  });

  it('accepts a loss the trainer reported as null (NaN or infinite)', () => {
    expect(parseTrainerLine('{"event": "step", "step": 3, "loss": null, "lr": 0.0, "images_per_s": null, "eta_s": null, "epoch": 0, "skipped": 0}')).toMatchObject({
      loss: null,
    });
  });

  it('returns null for anything that is not a known event, instead of throwing', () => {
    for (const line of ['', 'Traceback (most recent call last):', '{"event": "step", "step": "x"}', '{"event": "unknown"}', '{"step": 1}', '{not json', '[1, 2]']) {
      expect(parseTrainerLine(line), line).toBeNull();
    }
  });

  it('joins lines cut between chunks and drops carriage returns', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('{"event": "er');
    splitter.push('ror", "message": "a"}\r\nsecond');
    expect(lines).toEqual(['{"event": "error", "message": "a"}']);
    splitter.push(' line\nthird without newline');
    splitter.end();
    expect(lines).toEqual(['{"event": "error", "message": "a"}', 'second line', 'third without newline']);
    expect(parseTrainerLine(lines[0] as string)).toEqual({ event: 'error', message: 'a' });
  });
});
