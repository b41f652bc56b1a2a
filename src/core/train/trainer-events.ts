// The trainer's progress protocol: one JSON object per stdout line (trainer/docs/training.md, "Progress").
// Lines that are not a known event are returned as null, so a stray print never breaks a run.
import { z } from 'zod';

const Loss = z.number().nullable(); // the trainer reports NaN/Infinity as null

export const TrainerEvent = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('step'),
    step: z.number().int(),
    loss: Loss,
    lr: z.number().nullable(),
    images_per_s: z.number().nullable(),
    eta_s: z.number().nullable(),
    epoch: z.number().int(),
    skipped: z.number().int(),
  }),
  z.object({ event: z.literal('preview'), path: z.string(), step: z.number().int(), w: z.number(), guidance: z.string() }),
  z.object({ event: z.literal('val'), step: z.number().int(), loss: Loss, best: z.boolean() }),
  z.object({ event: z.literal('checkpoint'), path: z.string(), step: z.number().int(), best: z.boolean() }),
  z.object({ event: z.literal('done'), step: z.number().int(), skipped: z.number().int() }),
  z.object({ event: z.literal('stopped'), step: z.number().int(), skipped: z.number().int() }),
  z.object({ event: z.literal('error'), message: z.string() }),
  z.object({ event: z.literal('export'), onnx: z.string(), json: z.string(), step: z.number().int(), max_abs_diff: z.number().nullable() }),
  // the `evaluate` command (src/core/evaluate/evaluate-job.ts)
  z.object({ event: z.literal('progress'), phase: z.string(), done: z.number().int(), total: z.number().int() }),
  z.object({ event: z.literal('evaluated'), result: z.string() }),
]);
export type TrainerEvent = z.infer<typeof TrainerEvent>;

export function parseTrainerLine(line: string): TrainerEvent | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = TrainerEvent.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Splits a byte stream into lines; a line cut between two chunks is joined before it is handed on. */
export class LineSplitter {
  private pending = '';
  private readonly onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.onLine = onLine;
  }

  push(chunk: string): void {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    for (const part of parts) this.onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
  }

  /** Hands on a last line that had no newline. */
  end(): void {
    if (this.pending) this.onLine(this.pending);
    this.pending = '';
  }
}
