import { JobRunner } from '../../core/jobs/job-runner.ts';
import { openProject, type Project } from '../../core/project/project.ts';
import { checkPythonEnvironment } from '../../core/train/python-env.ts';
import { resumeTraining, startTraining } from '../../core/train/start-training.ts';
import { TrainStore } from '../../core/train/train-store.ts';
import type { Job } from '../../shared/schemas.ts';
import { GuidanceLevel, type PythonEnvironment, type TrainParameters, TrainPreset, type TrainRun } from '../../shared/train.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { integerOption, numberOption } from '../options.ts';
import { EXIT, UsageError, printResult, progressLine } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

type Values = Record<string, string | boolean | undefined>;

function enumOption<T extends string>(values: Values, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}`);
  return raw as T;
}

function parameters(values: Values): Partial<TrainParameters> {
  const channels = integerOption(values, 'channels', 1, 3);
  if (channels === 2) throw new UsageError('--channels must be 1 or 3');
  const resolution = integerOption(values, 'resolution', 8, 1024);
  if (resolution !== undefined && resolution % 4 !== 0) throw new UsageError('--resolution must be a multiple of 4');
  return {
    steps: integerOption(values, 'steps', 1, 10_000_000),
    batchSize: integerOption(values, 'batch-size', 1, 65_536),
    resolution,
    channels: channels as 1 | 3 | undefined,
    seed: integerOption(values, 'seed', 0, 2 ** 31 - 1),
    valShare: numberOption(values, 'val-share', 0, 0.5),
    logEvery: integerOption(values, 'log-every', 1, 1_000_000),
    checkpointEvery: integerOption(values, 'checkpoint-every', 1, 10_000_000),
    previewEvery: integerOption(values, 'preview-every', 0, 10_000_000),
    previewSteps: integerOption(values, 'preview-steps', 1, 999),
    workers: integerOption(values, 'workers', 0, 64),
    threads: integerOption(values, 'threads', 1, 512),
    processes: integerOption(values, 'processes', 1, 64),
  };
}

/** "training 120/1,000 (12%) · 3.1 steps/s · ETA 5m · loss 0.0421 · 35.2 images/s · epoch 3" */
function trainLine(job: Job): string {
  const line = progressLine(job).replace(/(\d)\/s\b/, '$1 steps/s');
  return job.message ? `${line} · ${job.message}` : line;
}

function formatEnvironment(report: PythonEnvironment): string {
  const lines = [
    `Python: ${report.python ?? 'none'}${report.source ? ` (${report.source})` : ''}${report.pythonVersion ? `, ${report.pythonVersion}` : ''}`,
    `torch: ${report.torchVersion ?? 'not installed'}; CUDA ${report.cuda ? `yes (${report.gpus.join(', ')})` : 'no'}; MPS ${report.mps ? 'yes' : 'no'}`,
    `trainer: ${report.trainer ? 'imports' : 'not importable'}`,
    report.ready ? 'Ready to train.' : 'Not ready:',
    ...report.problems.map((problem) => `  - ${problem}`),
    ...report.instructions.map((instruction) => `  → ${instruction}`),
  ];
  return lines.join('\n');
}

function formatRun(run: TrainRun): string {
  const source = run.clusterRunId !== null ? ` clusters #${run.clusterRunId}` : run.labellingId !== null ? ` labels #${run.labellingId}` : '';
  const loss = run.loss === null ? '' : `, loss ${run.loss.toFixed(4)}`;
  return `#${run.id} ${run.state} · ${run.level}${source} · ${run.preset} ${run.parameters.resolution}px · step ${run.step}/${run.parameters.steps}${loss}`;
}

async function follow(project: Project, runner: JobRunner, runId: number, job: Job, values: Values): Promise<number> {
  const resumeHint = `continue later with: selfguide train --resume ${runId}`;
  const { job: final, exitCode } = await followJob(runner, job, Boolean(values.quiet || values.json), { line: trainLine, resumeHint });
  const run = new TrainStore(project.db).get(runId);
  printResult(Boolean(values.json), { job: final, run }, () => {
    const lines = [`Training ${formatRun(run)}`];
    if (final.state === 'done') lines.push(`Model: ${run.modelDir} (${final.message ?? ''})`);
    if (final.state === 'cancelled') lines.push(`Stopped with a checkpoint at step ${run.checkpointStep ?? 0}; ${resumeHint}`);
    if (final.error) lines.push(final.error);
    return lines.join('\n');
  });
  return exitCode;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a self-guided diffusion model on the project (Python trainer, a resumable job)',
  usage: `selfguide train [--project DIR] --level none|label|cluster|box|mask [--cluster-run N] [--labelling N]
                [--box-run N] [--mask-run N] [--preset tiny|small|paper64] [--steps N] [--batch-size N]
                [--resolution PX] [--channels 1|3] [--seed S] [--val-share F] [--preview-every N]
                [--checkpoint-every N] [--log-every N] [--workers N] [--threads N] [--processes N]
                [--quiet] [--json]
       selfguide train --resume RUN_ID [--steps N]
       selfguide train --list | --check

Exports the project's images with the chosen guidance (none; ground-truth labels; image clusters;
LOST boxes with their clusters; segment masks) as a manifest under runs/<id>/, then runs the Python
trainer (python -m selfguide_trainer train) as a job and, when it finishes, exports the EMA model to
ONNX (runs/<id>/model/) and registers it for sampling. The source defaults to the newest finished
one. Progress shows step, steps/s, ETA, loss and images/s; Ctrl-C stops the trainer cleanly (it writes
a checkpoint) and exits 130; --resume RUN_ID continues from that checkpoint (a finished run trains
longer with a larger --steps). --processes N trains with N processes under torchrun (DDP, one per
GPU; gloo on a CPU), the batch split between them; the batch must divide by N.

Defaults: preset tiny, 10,000 steps, batch 64, 32 px, 3 channels, 5 % held out (seed 0), previews
every 500 steps, DataLoader workers 0 under 2,000 images else 2. The Python is the project's
setting, else $SELFGUIDE_PYTHON, else the selfguide
folder's .venv, else python3; --check probes it and says what to install when something is missing.

Exit codes: 0 done, 1 failed (or --check: not ready), 2 usage error, 3 project error, 130 cancelled.`,
  options: {
    ...PROJECT_OPTION,
    level: { type: 'string' },
    'cluster-run': { type: 'string' },
    labelling: { type: 'string' },
    'box-run': { type: 'string' },
    'mask-run': { type: 'string' },
    preset: { type: 'string' },
    steps: { type: 'string' },
    'batch-size': { type: 'string' },
    resolution: { type: 'string' },
    channels: { type: 'string' },
    seed: { type: 'string' },
    'val-share': { type: 'string' },
    'preview-every': { type: 'string' },
    'preview-steps': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'log-every': { type: 'string' },
    workers: { type: 'string' },
    threads: { type: 'string' },
    processes: { type: 'string' },
    resume: { type: 'string' },
    list: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    quiet: { type: 'boolean', short: 'q', default: false },
  },
  async run({ values }) {
    const json = Boolean(values.json);
    const resumeId = integerOption(values, 'resume', 1, Number.MAX_SAFE_INTEGER);
    const level = enumOption(values, 'level', GuidanceLevel.options);
    const preset = enumOption(values, 'preset', TrainPreset.options);
    const modes = [values.list, values.check, resumeId !== undefined, level !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('give one of --level LEVEL (a new run), --resume RUN_ID, --list or --check');
    const project = openProject(String(values.project));
    try {
      if (values.check) {
        const report = await checkPythonEnvironment(project);
        printResult(json, report, () => formatEnvironment(report));
        return report.ready ? EXIT.ok : EXIT.failed;
      }
      if (values.list) {
        const runs = new TrainStore(project.db).list();
        printResult(json, runs, () => (runs.length === 0 ? 'No training runs yet.' : runs.map(formatRun).join('\n')));
        return EXIT.ok;
      }
      const runner = new JobRunner(project);
      try {
        if (resumeId !== undefined) {
          const { run, job } = resumeTraining(project, runner, resumeId, integerOption(values, 'steps', 1, 10_000_000));
          if (!json && !values.quiet) process.stderr.write(`Resuming run #${run.id} from step ${run.checkpointStep ?? 0}.\n`);
          return await follow(project, runner, run.id, job, values);
        }
        const { run, job } = startTraining(project, runner, {
          level: level as GuidanceLevel,
          clusterRunId: integerOption(values, 'cluster-run', 1, Number.MAX_SAFE_INTEGER),
          labellingId: integerOption(values, 'labelling', 1, Number.MAX_SAFE_INTEGER),
          boxRunId: integerOption(values, 'box-run', 1, Number.MAX_SAFE_INTEGER),
          maskRunId: integerOption(values, 'mask-run', 1, Number.MAX_SAFE_INTEGER),
          preset,
          parameters: parameters(values),
        });
        if (!json && !values.quiet) process.stderr.write(`Training run #${run.id} (${run.dir}).\n`);
        return await follow(project, runner, run.id, job, values);
      } finally {
        await runner.stop();
      }
    } finally {
      project.close();
    }
  },
};
