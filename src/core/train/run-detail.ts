// One training run as the Train view shows it: the run, its loss curve, its newest preview grids and
// the end of its log.
import type { TrainRunDetail } from '../../shared/train.ts';
import type { Project } from '../project/project.ts';
import { latestPreviews, readMetrics, runPaths, tailLines } from './run-files.ts';
import { TrainStore } from './train-store.ts';

export function trainRunDetail(project: Project, runId: number, options: { maxPoints: number; logLines: number }): TrainRunDetail {
  const run = new TrainStore(project.db).get(runId);
  const paths = runPaths(project, runId);
  return {
    run,
    metrics: readMetrics(paths.metrics, options.maxPoints),
    previews: latestPreviews(paths.previewsDir),
    logTail: tailLines(paths.log, options.logLines),
  };
}
