import { importLabelsCsv } from '../../core/labels/import-labels.ts';
import { LabellingStore } from '../../core/labels/labelling-store.ts';
import { recomputeClustering, startClustering } from '../../core/labels/start-clustering.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { openProject } from '../../core/project/project.ts';
import { clusterReport, formatClusterReport } from '../cluster-report.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { UsageError, printResult } from '../output.ts';
import { integerOption } from '../options.ts';
import { followJob } from '../run-job-in-cli.ts';

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'cluster the images by their features (k-means, a new run each time)',
  usage: `selfguide cluster [--project DIR] [--model ID] --k N [--seed S] [--restarts R] [--iterations I] [--labels CSV] [--quiet] [--json]
selfguide cluster --recompute RUN [--replace] [--labels CSV] [--project DIR]

Runs k-means (k = N) on the L2-normalized cls features of every ok image that has features of the
model (the active one unless --model), and stores the run beside earlier ones: each image's cluster
and distance to its centroid, the centroids in labels/clusters-<run>.f32. Defaults: seed 0,
3 restarts (the lowest inertia wins), 30 iterations. Prints the cluster sizes.

--labels CSV imports ground truth (columns file,label or path,label) first; it is never used for
clustering, only to print NMI, AMI, ARI and purity. Without --labels the latest imported labelling
(selfguide labels import) is used, if any.

--recompute RUN computes a run again (same model, k and parameters), e.g. after new features. If people
edited it (names, merges, splits, moved images, outliers) it refuses unless --replace: the edits are
kept and applied over the new clusters.

Exit codes: 0 done, 1 failed, 2 usage error, 3 project error, 130 cancelled.`,
  options: {
    ...PROJECT_OPTION,
    model: { type: 'string' },
    k: { type: 'string' },
    seed: { type: 'string' },
    restarts: { type: 'string' },
    iterations: { type: 'string' },
    labels: { type: 'string' },
    recompute: { type: 'string' },
    replace: { type: 'boolean', default: false },
    quiet: { type: 'boolean', short: 'q', default: false },
  },
  async run({ values }) {
    const recompute = integerOption(values, 'recompute', 1, Number.MAX_SAFE_INTEGER);
    const k = integerOption(values, 'k', 1, 100_000);
    if (k === undefined && recompute === undefined) throw new UsageError('--k is required');
    if (k !== undefined && recompute !== undefined) throw new UsageError('give --k for a new run or --recompute RUN, not both');
    const parameters = {
      k,
      seed: integerOption(values, 'seed', 0, 2 ** 31 - 1),
      restarts: integerOption(values, 'restarts', 1, 100),
      iterations: integerOption(values, 'iterations', 1, 1000),
    };
    const project = openProject(String(values.project));
    try {
      const imported = typeof values.labels === 'string' ? importLabelsCsv(project, values.labels) : null;
      const labellingId = imported?.labelling.id ?? new LabellingStore(project.db).list().at(-1)?.id ?? null;
      const runner = new JobRunner(project);
      const { run, job } =
        recompute !== undefined
          ? recomputeClustering(project, runner, recompute, Boolean(values.replace))
          : startClustering(project, runner, { modelId: typeof values.model === 'string' ? values.model : null, ...parameters, k: k as number });
      const { job: final, exitCode } = await followJob(runner, job, Boolean(values.quiet || values.json));
      const report = clusterReport(project, run.id, labellingId);
      printResult(Boolean(values.json), { job: final, ...report, imported }, () =>
        [
          ...(imported ? [`Ground truth "${imported.labelling.name}": ${imported.matched} images matched, ${imported.unmatchedCount} rows unmatched.`] : []),
          `Clustering ${final.state}${final.error ? `: ${final.error}` : ''}`,
          ...formatClusterReport(report),
        ].join('\n'),
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
