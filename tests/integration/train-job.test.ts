// Real tiny trainings through the 'train' job and the API: the Python trainer runs as a child process
// of the job's worker thread, is cancelled with SIGTERM (it checkpoints) and resumed from that step.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import type { Project } from '../../src/core/project/project.ts';
import { checkPythonEnvironment, selfguideRoot } from '../../src/core/train/python-env.ts';
import { runPaths } from '../../src/core/train/run-files.ts';
import type { Output } from '../../src/shared/api.ts';
import type { Job } from '../../src/shared/schemas.ts';
import type { PythonEnvironment, TrainRun, TrainRunDetail } from '../../src/shared/train.ts';
import { tempDir } from '../support/temp.ts';
import { fixtureClusterRun, trainingProject } from '../support/train-project.ts';

/** Small enough for two busy cores: 16 px, batch 4, no DataLoader workers, one torch thread. */
const TINY = { preset: 'tiny', resolution: 16, batchSize: 4, workers: 0, threads: 1, valShare: 0.2, previewSteps: 5 } as const;
const VENV_PYTHON = join(selfguideRoot() as string, '.venv', 'bin', 'python');

describe('the train job', () => {
  const root = tempDir();
  let project: Project;
  let runner: JobRunner;
  let service: Service;
  let clusterRunId: number;
  const call = <T>(method: string, input: object) => service.dispatch(method, input) as Promise<T>;
  /** Resolves once the job reports this training step. */
  const trainingReached = (jobId: number, step: number) =>
    new Promise<void>((resolve) => {
      const watch = (event: { type: string; job?: Job }) => {
        if (event.job?.id === jobId && event.job.phase === 'training' && event.job.done >= step) {
          runner.events.off('event', watch);
          resolve();
        }
      };
      runner.events.on('event', watch);
    });

  beforeAll(async () => {
    project = await trainingProject(root, 8);
    clusterRunId = fixtureClusterRun(project, 2);
    runner = new JobRunner(project);
    service = createService(project, runner);
  });
  afterAll(async () => {
    await runner.stop();
    project.close();
  });

  it('finds the checkout’s .venv and reports torch and the trainer as ready', async () => {
    const report = await call<PythonEnvironment>('train.environment', { refresh: true });
    expect(report).toMatchObject({ ready: true, python: VENV_PYTHON, source: 'venv', trainer: true, problems: [], instructions: [] });
    expect(report.torchVersion).toMatch(/^2\./);
    expect(report.pythonVersion).toMatch(/^3\.\d+/);
  });

  it('trains a cluster-guided model, keeps the loss curve and w = 0 / w = 2 previews, exports ONNX and registers it', { timeout: 150_000 }, async () => {
    const { run, job } = await call<Output<'train.start'>>('train.start', {
      level: 'cluster',
      ...TINY,
      steps: 20,
      logEvery: 2,
      previewEvery: 10,
    });
    expect(run).toMatchObject({ level: 'cluster', clusterRunId, state: 'queued', dir: `runs/${run.id}` });
    const final = await runner.waitFor(job.id);
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');

    const detail = await call<TrainRunDetail>('train.get', { runId: run.id });
    expect(detail.run).toMatchObject({ state: 'done', step: 20, checkpointStep: 20, images: 8, valImages: 1, missingImages: 0, skippedImages: 0 });
    expect(detail.run.modelDir).toBe(`runs/${run.id}/model`);
    expect(detail.metrics.map((point) => point.step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(detail.metrics.every((point) => point.loss !== null && Number.isFinite(point.loss) && point.loss > 0)).toBe(true);
    expect(detail.metrics.find((point) => point.step === 20)?.valLoss).toBeGreaterThan(0);
    expect(detail.previews).toEqual([
      { step: 20, w: 0, file: 'step_00000020_w0.png' },
      { step: 20, w: 2, file: 'step_00000020_w2.png' },
    ]);
    const paths = runPaths(project, run.id);
    const grid = await sharp(join(paths.previewsDir, 'step_00000020_w2.png')).metadata();
    expect(grid.width).toBeGreaterThanOrEqual(16);
    expect(detail.logTail.some((line) => line.includes('training tiny'))).toBe(true);

    const spec = JSON.parse(readFileSync(join(paths.modelDir, 'model.json'), 'utf8')) as { step: number; conditioning: { mode: string; vector_dim: number }; cluster_names: string[] };
    expect(spec).toMatchObject({ step: 20, conditioning: { mode: 'cluster', vector_dim: 2 }, cluster_names: ['cluster 0', 'cluster 1'] });
    const models = await call<{ sourceRunId: number | null; clusterRunId: number | null; mode: string }[]>('diffusionModels.list', {});
    expect(models).toContainEqual(expect.objectContaining({ sourceRunId: run.id, clusterRunId, mode: 'cluster' }));
  });

  it('cancels mid-run with a checkpoint at the current step, and resume continues from that step, not from 0', { timeout: 150_000 }, async () => {
    const { run, job } = await call<Output<'train.start'>>('train.start', { level: 'none', ...TINY, steps: 5000, logEvery: 1, previewEvery: 0 });
    await trainingReached(job.id, 6);
    const cancelling = await call<TrainRun>('train.cancel', { runId: run.id });
    expect(cancelling.id).toBe(run.id);
    expect((await runner.waitFor(job.id)).state).toBe('cancelled');
    const stopped = await call<TrainRun>('train.get', { runId: run.id }).then((detail) => (detail as unknown as TrainRunDetail).run);
    expect(stopped.state).toBe('cancelled');
    const at = stopped.checkpointStep as number;
    expect(at).toBeGreaterThanOrEqual(6);
    expect(at).toBeLessThan(5000);
    const paths = runPaths(project, run.id);
    expect(existsSync(join(paths.trainerDir, 'checkpoints', `step_${String(at).padStart(8, '0')}.pt`))).toBe(true);

    const resumed = await call<Output<'train.resume'>>('train.resume', { runId: run.id, steps: at + 4 });
    expect(resumed.job.id).toBe(job.id); // the same job, resumed
    const final = await runner.waitFor(job.id);
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');
    const log = readFileSync(paths.log, 'utf8');
    expect(log).toContain(`at step ${at} (epoch`);
    const lines = readFileSync(paths.metrics, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { step?: number; resumeFrom?: number });
    const mark = lines.findLastIndex((line) => line.resumeFrom !== undefined);
    expect(lines[mark]).toEqual({ resumeFrom: at });
    expect(lines.slice(mark + 1).filter((line) => line.step !== undefined && !('valLoss' in line)).map((line) => line.step)).toEqual([at + 1, at + 2, at + 3, at + 4]);
    const detail = await call<TrainRunDetail>('train.get', { runId: run.id });
    expect(detail.run).toMatchObject({ state: 'done', step: at + 4, checkpointStep: at + 4, modelDir: `runs/${run.id}/model` });
    expect(detail.metrics.at(-1)?.step).toBe(at + 4);
  });

  it('keeps a lane of its own: a CSV export runs and finishes while a model trains', { timeout: 150_000 }, async () => {
    const { run, job } = await call<Output<'train.start'>>('train.start', { level: 'none', ...TINY, steps: 5000, logEvery: 1, previewEvery: 0 });
    await trainingReached(job.id, 2);
    const exported = await call<Output<'export.start'>>('export.start', { format: 'csv', outDir: join(root, 'exports', 'while-training'), clusterRunId });
    expect((await runner.waitFor(exported.job.id)).state).toBe('done');
    expect(readFileSync(join(root, 'exports', 'while-training', 'labels.csv'), 'utf8').trim().split('\r\n')).toHaveLength(9); // header + 8 images
    const jobs = await call<Job[]>('jobs.list', {});
    expect(jobs.find((candidate) => candidate.id === job.id)?.state).toBe('running'); // the training went on meanwhile
    await call<TrainRun>('train.cancel', { runId: run.id });
    expect((await runner.waitFor(job.id)).state).toBe('cancelled');
  });

  it('trains with two processes under torchrun (DDP, gloo on the CPU); a cancel stops both ranks at one checkpoint, resume finishes', { timeout: 240_000 }, async () => {
    const { run, job } = await call<Output<'train.start'>>('train.start', { level: 'cluster', ...TINY, processes: 2, steps: 5000, logEvery: 1, previewEvery: 0 });
    expect(run.parameters.processes).toBe(2);
    await trainingReached(job.id, 3);
    await call<TrainRun>('train.cancel', { runId: run.id });
    expect((await runner.waitFor(job.id)).state).toBe('cancelled');
    const paths = runPaths(project, run.id);
    const log = readFileSync(paths.log, 'utf8');
    expect(log).toContain('-m torch.distributed.run --standalone --nproc_per_node=2 -m selfguide_trainer train');
    expect(log).toMatch(/batch 4 on 2 process\(es\)/);
    const stoppedAt = [...log.matchAll(/\[rank (\d)\] INFO finished at step (\d+)/g)].map((match) => [match[1], Number(match[2])]);
    expect(stoppedAt.map(([rank]) => rank).sort()).toEqual(['0', '1']); // both ranks stopped cleanly…
    const at = (await call<TrainRunDetail>('train.get', { runId: run.id })).run.checkpointStep as number;
    expect(stoppedAt.every(([, step]) => step === at)).toBe(true); // …at the step of the checkpoint
    expect(at).toBeGreaterThanOrEqual(3);

    const resumed = await call<Output<'train.resume'>>('train.resume', { runId: run.id, steps: at + 2 });
    const final = await runner.waitFor(resumed.job.id);
    expect(final.error).toBeNull();
    expect(final.state).toBe('done');
    const detail = await call<TrainRunDetail>('train.get', { runId: run.id });
    expect(detail.run).toMatchObject({ state: 'done', step: at + 2, checkpointStep: at + 2, modelDir: `runs/${run.id}/model` });
  });

  it('refuses a batch that does not divide between the processes', async () => {
    await expect(call('train.start', { level: 'none', ...TINY, processes: 3 })).rejects.toThrow('The batch (4) must divide evenly between the 3 training processes.');
  });

  describe('when the Python environment is not usable', () => {
    const saved = process.env.SELFGUIDE_PYTHON;
    afterAll(() => {
      if (saved === undefined) delete process.env.SELFGUIDE_PYTHON;
      else process.env.SELFGUIDE_PYTHON = saved;
      project.settings.set('pythonPath', null);
    });

    it('says a missing Python does not exist and what to run; a run fails with that message', async () => {
      process.env.SELFGUIDE_PYTHON = join(root, 'no-such-python');
      const report = await call<PythonEnvironment>('train.environment', { refresh: true });
      expect(report).toMatchObject({ ready: false, source: 'env', python: join(root, 'no-such-python'), torchVersion: null });
      expect(report.problems.join(' ')).toContain(`${join(root, 'no-such-python')} ($SELFGUIDE_PYTHON) does not exist`);
      // first: the choice that picked it, which the .venv would not need
      expect(report.instructions[0]).toBe(`$SELFGUIDE_PYTHON points to ${join(root, 'no-such-python')}: correct it, or unset it to use the selfguide folder's .venv (or python3 on the PATH).`);
      expect(report.instructions.join(' ')).toMatch(/pip install torch==2\.13\.0 -e .*\/trainer/);

      const { job, run } = await call<Output<'train.start'>>('train.start', { level: 'none', ...TINY, steps: 4 });
      const final = await runner.waitFor(job.id);
      expect(final.state).toBe('failed');
      expect(final.error).toContain('The Python trainer cannot run');
      expect(final.error).toContain('does not exist');
      expect(final.error).toContain('pip install');
      expect(await call<TrainRunDetail>('train.get', { runId: run.id })).toMatchObject({ run: { state: 'failed', step: 0 } });
      delete process.env.SELFGUIDE_PYTHON;
    });

    it('names the missing torch and the pip command for a Python without it (the project setting wins)', async () => {
      const bare = join(root, 'bare-venv');
      execFileSync(VENV_PYTHON, ['-m', 'venv', '--without-pip', bare]);
      const report = await call<PythonEnvironment>('train.setPython', { path: join(bare, 'bin', 'python') });
      expect(report).toMatchObject({ ready: false, source: 'setting', torchVersion: null, trainer: false });
      expect(report.pythonVersion).toMatch(/^3\./);
      expect(report.problems.join(' ')).toContain('PyTorch is not installed');
      expect(report.instructions[0]).toContain(`${join(bare, 'bin', 'python')} -m pip install torch==2.13.0`);
    });

    it('reports a program that is not a working Python, and one that hangs, with its timeout', async () => {
      const broken = join(root, 'broken-python');
      writeFileSync(broken, '#!/bin/sh\necho "segmentation fault (core dumped)" >&2\nexit 139\n');
      chmodSync(broken, 0o755);
      project.settings.set('pythonPath', broken);
      const report = await checkPythonEnvironment(project);
      expect(report.ready).toBe(false);
      expect(report.problems[0]).toContain('is not a working Python: segmentation fault (core dumped)');

      // a program that runs and says nothing, and a folder
      project.settings.set('pythonPath', '/usr/bin/true');
      const silent = await checkPythonEnvironment(project);
      expect(silent.problems[0]).toBe("/usr/bin/true (the project's Python setting) is not a working Python: it ran but gave no answer to the probe (is it a Python 3 interpreter?).");
      expect(silent.instructions[0]).toContain("The project's Python setting points to /usr/bin/true: correct it, or clear it");
      project.settings.set('pythonPath', root);
      expect((await checkPythonEnvironment(project)).problems[0]).toBe(`${root} (the project's Python setting) is a folder, not a Python program.`);

      const hanging = join(root, 'hanging-python');
      writeFileSync(hanging, '#!/bin/sh\nexec sleep 30\n');
      chmodSync(hanging, 0o755);
      project.settings.set('pythonPath', hanging);
      const slow = await checkPythonEnvironment(project, { timeoutMs: 1000 });
      expect(slow.problems[0]).toContain('did not answer within 1 s');
    });
  });
});
