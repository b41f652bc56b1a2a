import { startEvaluation } from '../../core/evaluate/start-evaluation.ts';
import { EvaluationStore } from '../../core/evaluate/evaluation-store.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { openProject } from '../../core/project/project.ts';
import { TrainStore } from '../../core/train/train-store.ts';
import { evaluationMetricRows, evaluationSettingsLine } from '../../shared/evaluation-table.ts';
import type { Evaluation } from '../../shared/evaluations.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { integerOption, numberOption } from '../options.ts';
import { EXIT, UsageError, printResult } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

function formatEvaluation(evaluation: Evaluation): string {
  const head = `Evaluation #${evaluation.id} of run #${evaluation.runId}: ${evaluation.state}`;
  const result = evaluation.result;
  if (!result) return evaluation.error ? `${head}\n${evaluation.error}` : head;
  const rows = evaluationMetricRows(result);
  const width = Math.max(...rows.map((row) => row.name.length));
  const valueWidth = Math.max(...rows.map((row) => row.value.length));
  return [
    head,
    evaluationSettingsLine(result),
    ...rows.map((row) => `  ${row.name.padEnd(width)}  ${row.value.padStart(valueWidth)}  ${row.note}`),
    `Grids: ${result.conditions.map((condition) => `${evaluation.dir}/${condition.grid}`).join(', ')}`,
  ].join('\n');
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "evaluate a training run: FD_enc, KID, precision/recall, density/coverage, consistency (a job)",
  usage: `selfguide evaluate [--project DIR] --run ID [--samples N] [--w W] [--steps S] [--seed S]
                   [--max-reference N] [--threads N] [--quiet] [--json]
       selfguide evaluate --list RUN_ID

Samples the run's latest checkpoint (EMA weights, DDIM, imagen guidance) N times per condition, and scores
the samples against the run's held-out images in the project encoder's cls features (python -m
selfguide_trainer evaluate): FD_enc (a Fréchet distance in those features, not FID), KID, precision,
recall, density and coverage (k = 5), and for cluster-guided runs condition consistency (nearest centroid
of the run's clustering). Writes runs/<run>/eval/<id>/result.json and one grid per condition.

Defaults: 8 samples per condition, 25 steps, w = 2, seed 0, at most 500 real images. Ctrl-C cancels
(exit 130). Exit codes: 0 done, 1 failed, 2 usage error, 3 project error, 130 cancelled.`,
  options: {
    ...PROJECT_OPTION,
    run: { type: 'string' },
    list: { type: 'string' },
    samples: { type: 'string' },
    w: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    'max-reference': { type: 'string' },
    threads: { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
  },
  async run({ values }) {
    const json = Boolean(values.json);
    const runId = integerOption(values, 'run', 1, Number.MAX_SAFE_INTEGER);
    const listId = integerOption(values, 'list', 1, Number.MAX_SAFE_INTEGER);
    if ((runId === undefined) === (listId === undefined)) throw new UsageError('give --run RUN_ID (a new evaluation) or --list RUN_ID');
    const project = openProject(String(values.project));
    try {
      if (listId !== undefined) {
        new TrainStore(project.db).get(listId);
        const evaluations = new EvaluationStore(project.db).list(listId);
        printResult(json, evaluations, () => (evaluations.length === 0 ? `Run #${listId} has no evaluations yet.` : evaluations.map(formatEvaluation).join('\n\n')));
        return EXIT.ok;
      }
      const runner = new JobRunner(project);
      try {
        const { evaluation, job } = startEvaluation(project, runner, runId as number, {
          samples: integerOption(values, 'samples', 2, 10_000),
          w: numberOption(values, 'w', -10, 50),
          steps: integerOption(values, 'steps', 1, 999),
          seed: integerOption(values, 'seed', 0, 2 ** 31 - 1),
          maxReference: integerOption(values, 'max-reference', 6, 100_000),
          threads: integerOption(values, 'threads', 1, 512),
        });
        if (!json && !values.quiet) process.stderr.write(`Evaluating run #${runId} (evaluation #${evaluation.id}, ${evaluation.dir}).\n`);
        const { job: final, exitCode } = await followJob(runner, job, Boolean(values.quiet || json), { resumeHint: `start it again with: selfguide evaluate --run ${runId}` });
        const done = new EvaluationStore(project.db).get(evaluation.id);
        printResult(json, { job: final, evaluation: done }, () => formatEvaluation(done) + (final.error && !done.error ? `\n${final.error}` : ''));
        return exitCode;
      } finally {
        await runner.stop();
      }
    } finally {
      project.close();
    }
  },
};
