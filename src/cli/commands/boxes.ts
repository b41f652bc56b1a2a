import { JobRunner } from '../../core/jobs/job-runner.ts';
import { BoxStore } from '../../core/labels/box-store.ts';
import { recomputeBoxes, startBoxes } from '../../core/labels/start-boxes.ts';
import { openProject } from '../../core/project/project.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { latestDoneRun, RECOMPUTE_OPTIONS } from '../label-runs.ts';
import { integerOption } from '../options.ts';
import { UsageError, printResult } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

export const boxesCommand: Command = {
  name: 'boxes',
  summary: 'find one object box per image (LOST), a new run each time',
  usage: `selfguide boxes [--project DIR] [--model ID] [--cluster-run N | --no-clusters] [--max-side PX] [--min-side PX] [--quiet] [--json]
selfguide boxes --recompute RUN [--replace] [--project DIR]

Runs LOST (SPEC §3) on every ok image: the image, its longer side scaled down to --max-side (default:
the project setting lostMaxSide, 1024) or up to --min-side (default: the model's input size), padded
to whole patches, goes through the encoder; LOST finds one box in its attention keys; the box is
stored in original image pixels. Each box's crop is encoded and given the nearest centroid of the
clustering run (default: the newest done one; its model is used; --no-clusters for none).
An unreadable image is recorded and skipped. Ctrl-C cancels, keeping the boxes found so far; the app's Jobs
view resumes the run (running this command again starts a new run).

--recompute RUN computes a run's boxes again. If people reviewed some of them (accept, reject, edit),
it refuses unless --replace: the decisions are kept and applied over the new boxes.

Exit codes: 0 done, 1 failed, 2 usage error, 3 project error, 130 cancelled.`,
  options: {
    ...PROJECT_OPTION,
    model: { type: 'string' },
    'cluster-run': { type: 'string' },
    'no-clusters': { type: 'boolean', default: false },
    'max-side': { type: 'string' },
    'min-side': { type: 'string' },
    ...RECOMPUTE_OPTIONS,
    quiet: { type: 'boolean', short: 'q', default: false },
  },
  async run({ values }) {
    const recompute = integerOption(values, 'recompute', 1, Number.MAX_SAFE_INTEGER);
    const maxSide = integerOption(values, 'max-side', 16, 16_384);
    const minSide = integerOption(values, 'min-side', 16, 16_384);
    const named = integerOption(values, 'cluster-run', 1, Number.MAX_SAFE_INTEGER);
    if (named !== undefined && values['no-clusters']) throw new UsageError('give --cluster-run or --no-clusters, not both');
    const project = openProject(String(values.project));
    try {
      const runner = new JobRunner(project);
      const clusterRunId = values['no-clusters'] ? null : (named ?? latestDoneRun(project, 'cluster'));
      const { run, job } =
        recompute !== undefined
          ? recomputeBoxes(project, runner, recompute, Boolean(values.replace))
          : startBoxes(project, runner, { modelId: typeof values.model === 'string' ? values.model : null, clusterRunId, maxSide, minSide });
      const { job: final, exitCode } = await followJob(runner, job, Boolean(values.quiet || values.json));
      const done = new BoxStore(project.db).get(run.id);
      printResult(Boolean(values.json), { job: final, run: done }, () =>
        [
          `Boxes ${final.state}${final.message ? `: ${final.message}` : ''}${final.error ? ` — ${final.error}` : ''}`,
          `Run #${done.id}: model ${done.modelId}, longer side ${done.minSide}–${done.maxSide} px, ` +
            `${done.clusterRunId === null ? 'no clusters' : `clusters of run #${done.clusterRunId}`}; ${done.boxes} boxes, ${done.failed} failed, ${done.decisions} reviewed.`,
        ].join('\n'),
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
