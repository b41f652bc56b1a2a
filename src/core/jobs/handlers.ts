// Job kinds and the functions that run them. Each handler must be resumable: run again after an
// interruption, it continues from what it had committed.
import type { JobContext } from './job-context.ts';
import { runExport } from '../export/export-job.ts';
import { runFeatures } from '../features/extract-job.ts';
import { runScan } from '../ingest/scan.ts';
import { runBoxes } from '../labels/box-job.ts';
import { runClustering } from '../labels/cluster-job.ts';
import { runClusterMap } from '../labels/cluster-map.ts';
import { runMasks } from '../labels/mask-job.ts';
import { runModelDownload } from '../models/download-job.ts';
import { runSampling } from '../sample/sample-job.ts';
import { runTraining } from '../train/train-job.ts';
import { runEvaluation } from '../evaluate/evaluate-job.ts';

export type JobHandler = (context: JobContext) => Promise<void>;

export const JOB_HANDLERS: Record<string, JobHandler> = {
  scan: runScan,
  features: runFeatures,
  cluster: runClustering,
  boxes: runBoxes,
  masks: runMasks,
  'cluster-map': runClusterMap,
  'model-download': runModelDownload,
  sample: runSampling,
  train: runTraining,
  evaluate: runEvaluation,
  export: runExport,
};
