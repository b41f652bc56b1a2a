// The files of a training run under runs/<id>/: the manifest, the trainer's run folder (config,
// checkpoints, previews), the log, the loss curve (metrics.jsonl) and the exported model. The curve is
// kept by the app, so a chart can be drawn after a restart without asking the trainer.
import { appendFileSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainMetric, TrainPreview } from '../../shared/train.ts';
import type { Project } from '../project/project.ts';
import { runDir } from './train-store.ts';

export interface RunPaths {
  dir: string;
  manifest: string;
  trainerDir: string;
  previewsDir: string;
  log: string;
  metrics: string;
  modelDir: string;
}

export function runPaths(project: Project, runId: number): RunPaths {
  const dir = join(project.root, runDir(runId));
  return {
    dir,
    manifest: join(dir, 'manifest.jsonl'),
    trainerDir: join(dir, 'trainer'),
    previewsDir: join(dir, 'trainer', 'previews'),
    log: join(dir, 'train.log'),
    metrics: join(dir, 'metrics.jsonl'),
    modelDir: join(dir, 'model'),
  };
}

/** A line of metrics.jsonl: a training-loss point, a validation point, or the step a (re)started trainer resumes from. */
type MetricLine = { step: number; loss?: number | null; valLoss?: number | null; imagesPerSecond?: number | null } | { resumeFrom: number };

export function appendMetric(file: string, line: MetricLine): void {
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

/**
 * The loss curve, one point per logged step in step order. A resumed trainer repeats the steps after
 * its checkpoint, so points past a `resumeFrom` mark written before it are dropped. At most `maxPoints`
 * points (evenly thinned, the last one kept).
 */
export function readMetrics(file: string, maxPoints = 2000): TrainMetric[] {
  if (!existsSync(file)) return [];
  let points = new Map<number, TrainMetric>();
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (!text.trim()) continue;
    let line: MetricLine;
    try {
      line = JSON.parse(text) as MetricLine;
    } catch {
      continue; // a line cut by a crash
    }
    if ('resumeFrom' in line) {
      points = new Map([...points].filter(([step]) => step <= line.resumeFrom));
      continue;
    }
    const known = points.get(line.step) ?? { step: line.step, loss: null, valLoss: null, imagesPerSecond: null };
    points.set(line.step, {
      step: line.step,
      loss: line.loss !== undefined ? line.loss : known.loss,
      valLoss: line.valLoss !== undefined ? line.valLoss : known.valLoss,
      imagesPerSecond: line.imagesPerSecond !== undefined ? line.imagesPerSecond : known.imagesPerSecond,
    });
  }
  const sorted = [...points.values()].sort((a, b) => a.step - b.step);
  if (sorted.length <= maxPoints) return sorted;
  const last = sorted.length - 1;
  return Array.from({ length: maxPoints }, (_, j) => sorted[Math.round((j * last) / (maxPoints - 1))] as TrainMetric);
}

/** Preview grids the trainer writes: step_XXXXXXXX_w<w>.png. */
const PREVIEW_FILE = /^step_(\d{8})_w(-?\d+(?:\.\d+)?)\.png$/;

/** The newest preview grid of each guidance weight, lowest w first. */
export function latestPreviews(previewsDir: string): TrainPreview[] {
  if (!existsSync(previewsDir)) return [];
  const newest = new Map<number, TrainPreview>();
  for (const file of readdirSync(previewsDir)) {
    const match = PREVIEW_FILE.exec(file);
    if (!match) continue;
    const step = Number(match[1]);
    const w = Number(match[2]);
    if ((newest.get(w)?.step ?? -1) < step) newest.set(w, { step, w, file });
  }
  return [...newest.values()].sort((a, b) => a.w - b.w);
}

/**
 * The bytes of a preview grid of a registered run; null for an unknown run or a name that is not a
 * preview file (so nothing else under the project can be read through here).
 */
export function readPreview(project: Project, runId: number, file: string): Buffer | null {
  if (!Number.isInteger(runId) || runId <= 0 || !PREVIEW_FILE.test(file)) return null;
  if (!project.db.prepare('SELECT 1 FROM training_runs WHERE id = ?').get(runId)) return null;
  try {
    return readFileSync(join(runPaths(project, runId).previewsDir, file));
  } catch {
    return null;
  }
}

/** The last `count` lines of a text file, reading at most its last 64 KiB. */
export function tailLines(file: string, count: number): string[] {
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  const length = Math.min(size, 64 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const lines = buffer.toString('utf8').split('\n');
  if (length < size) lines.shift(); // the first line is probably cut
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.slice(-count);
}

/** readPreview for a URL path tail "<run id>/<file>" (the server's and the Electron protocol's routes). */
export function readPreviewAt(project: Project, tail: string): Buffer | null {
  const [runText, file, ...rest] = tail.split('/');
  if (rest.length > 0 || runText === undefined || file === undefined) return null;
  let name: string;
  try {
    name = decodeURIComponent(file);
  } catch {
    return null;
  }
  return readPreview(project, Number(runText), name);
}
