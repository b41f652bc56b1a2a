// The 'evaluate' job end to end on a tiny project: real features of the ViT fixture, a real clustering run,
// a real 4-step cluster-guided training, then the trainer's evaluate command as the job's child process;
// the result recorded, the grids served by id only, cancel, and the trainer's refusal with its stderr.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/core/api/service.ts';
import { readEvaluationGrid } from '../../src/core/evaluate/evaluation-grid.ts';
import { ClusterStore } from '../../src/core/labels/cluster-store.ts';
import type { JobRunner } from '../../src/core/jobs/job-runner.ts';
import type { Project } from '../../src/core/project/project.ts';
import { TRAIN_DEFAULTS } from '../../src/core/train/start-training.ts';
import { TrainStore } from '../../src/core/train/train-store.ts';
import type { ApiEvent, Output } from '../../src/shared/api.ts';
import type { Evaluation } from '../../src/shared/evaluations.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { projectWithFeatures } from '../support/features-project.ts';
import { tempDir } from '../support/temp.ts';
import { writeTrainingImages } from '../support/train-project.ts';

const TINY = { preset: 'tiny', resolution: 16, batchSize: 4, workers: 0, threads: 1, valShare: 0.25, previewEvery: 0 } as const;

describe('the evaluate job', () => {
  const root = tempDir();
  let project: Project;
  let runner: JobRunner;
  let service: Service;
  let runId: number;
  let clusterRunId: number;

  beforeAll(async () => {
    await writeTrainingImages(join(root, 'photos'), 24);
    ({ project, runner } = await projectWithFeatures(join(root, 'project'), join(root, 'photos')));
    service = createService(project, runner);
    const clustering = (await service.dispatch('clusters.start', { k: 2, seed: 0 })) as Output<'clusters.start'>;
    expect((await runner.waitFor(clustering.job.id)).state).toBe('done');
    clusterRunId = clustering.run.id;
    const training = (await service.dispatch('train.start', { level: 'cluster', ...TINY, steps: 4 })) as Output<'train.start'>;
    const trained = await runner.waitFor(training.job.id);
    expect(trained.error).toBeNull();
    runId = training.run.id;
  }, 150_000);
  afterAll(async () => {
    await runner.stop();
    project.close();
  });

  it('samples per cluster, scores in the encoder features, records the result and serves its grids only', { timeout: 120_000 }, async () => {
    const { evaluation, job } = (await service.dispatch('evaluate.start', { runId, samples: 4, steps: 2, w: 1.5, seed: 5, threads: 1 })) as Output<'evaluate.start'>;
    expect(evaluation).toMatchObject({ runId, state: 'queued', result: null, dir: `runs/${runId}/eval/${evaluation.id}` });
    expect(evaluation.parameters).toEqual({ samples: 4, steps: 2, w: 1.5, seed: 5, maxReference: 500, threads: 1 });
    const final = await runner.waitFor(job.id);
    expect(final.error).toBeNull();
    expect(final).toMatchObject({ state: 'done', phase: 'finished' });

    const done = (await service.dispatch('evaluate.get', { id: evaluation.id })) as Evaluation;
    const modelId = new ClusterStore(project.db).get(clusterRunId).modelId;
    expect(done).toMatchObject({ state: 'done', encoderId: modelId, error: null });
    const result = done.result!;
    expect(result.samples).toEqual({ count: 8, per_condition: 4, conditions: 2 });
    expect(result.reference).toMatchObject({ count: 6, what: 'held-out images' }); // 25 % of 24
    expect(result.feature_space).toMatchObject({ name: 'FD_enc', encoder: modelId, output: 'cls', input_resolution: 16 });
    expect(result.guidance).toEqual({ mode: 'cluster', w: 1.5, form: 'imagen' });
    expect(result.sampler).toMatchObject({ steps: 2, seed: 5 });
    expect(result.checkpoint).toMatchObject({ step: 4, weights: 'EMA' });
    expect(result.metrics.fd_enc).toBeGreaterThan(0);
    expect(result.metrics.prdc_count).toBe(6);
    for (const value of [result.metrics.precision, result.metrics.recall, result.metrics.coverage]) expect(value).toBeGreaterThanOrEqual(0);
    expect(result.consistency).toMatchObject({ sample_count: 8, real_count: 6 });
    expect(result.conditions.map((c) => [c.name, c.index, c.count])).toEqual([
      ['cluster 0', 0, 4],
      ['cluster 1', 1, 4],
    ]);

    const grid = readEvaluationGrid(project, `${evaluation.id}/${encodeURIComponent(result.conditions[1]!.grid)}`);
    expect(grid).not.toBeNull();
    const meta = await sharp(grid!).metadata();
    expect([meta.width, meta.height]).toEqual([2 + 2 * 18, 2 + 2 * 18]); // 4 samples of 16 px, 2 columns, 2 px gaps
    for (const tail of [`${evaluation.id}/result.json`, `${evaluation.id}/evaluate.log`, `${evaluation.id}/..%2F..%2Fmanifest.jsonl`, `999/grids%2F000.png`]) {
      expect(readEvaluationGrid(project, tail)).toBeNull();
    }

    const history = (await service.dispatch('evaluate.list', { runId })) as Evaluation[];
    expect(history.map((e) => e.id)).toContain(evaluation.id);
    await expect(service.dispatch('evaluate.get', { id: 999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.dispatch('evaluate.list', { runId: 999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('cancels a running evaluation (SIGTERM to the trainer) and records it cancelled', { timeout: 60_000 }, async () => {
    const { evaluation, job } = (await service.dispatch('evaluate.start', { runId, samples: 400, steps: 50, threads: 1 })) as Output<'evaluate.start'>;
    const sampling = await new Promise<Job>((resolve) => {
      const listener = (event: ApiEvent) => {
        if (event.type !== 'job' || event.job.id !== job.id || event.job.phase !== 'sampling') return;
        runner.events.off('event', listener);
        resolve(event.job);
      };
      runner.events.on('event', listener);
    });
    expect(sampling.total).toBe(800); // 400 per cluster, the trainer's JSON-line progress as job progress
    const started = Date.now();
    await service.dispatch('jobs.cancel', { id: job.id });
    expect((await runner.waitFor(job.id)).state).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await service.dispatch('evaluate.get', { id: evaluation.id })) as Evaluation).toMatchObject({ state: 'cancelled', result: null });
  });

  it('fails with the trainer’s reason and stderr when the clustering’s centroids are gone; refuses a run without a checkpoint', { timeout: 60_000 }, async () => {
    const file = join(project.root, new ClusterStore(project.db).get(clusterRunId).centroidFile!);
    renameSync(file, `${file}.away`);
    try {
      const { evaluation, job } = (await service.dispatch('evaluate.start', { runId, samples: 2, steps: 1, threads: 1 })) as Output<'evaluate.start'>;
      const final = await runner.waitFor(job.id);
      expect(final.state).toBe('failed');
      expect(final.error).toContain('The trainer refused the evaluation: centroids not found');
      expect(final.error).toContain('error: centroids not found'); // the stderr tail
      expect((await service.dispatch('evaluate.get', { id: evaluation.id })) as Evaluation).toMatchObject({ state: 'failed', result: null });
    } finally {
      renameSync(`${file}.away`, file);
    }
    const source = { level: 'none', clusterRunId: null, labellingId: null, boxRunId: null, maskRunId: null } as const;
    const untrained = new TrainStore(project.db).create(source, 'tiny', TRAIN_DEFAULTS); // recorded, never trained
    await expect(service.dispatch('evaluate.start', { runId: untrained.id })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('has no checkpoint yet') });
  });
});
