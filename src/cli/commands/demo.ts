import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFeatures } from '../../core/features/start.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { addFolder } from '../../core/library/folders.ts';
import { libraryCounts } from '../../core/library/queries.ts';
import { importLabelsCsv } from '../../core/labels/import-labels.ts';
import { startBoxes } from '../../core/labels/start-boxes.ts';
import { startClustering } from '../../core/labels/start-clustering.ts';
import { startMasks } from '../../core/labels/start-masks.ts';
import { importModel } from '../../core/models/import-model.ts';
import { createProject } from '../../core/project/project.ts';
import type { Job } from '../../shared/schemas.ts';
import { type ClusterReport, clusterReport, formatScores } from '../cluster-report.ts';
import type { Command } from '../command.ts';
import { EXIT, formatDuration, printResult } from '../output.ts';
import { integerOption } from '../options.ts';
import { followJob } from '../run-job-in-cli.ts';
import { writeDemoReport } from '../demo/demo-report.ts';
import { DEMO_SAMPLES, DEMO_TRAINING, type GenerativeOutcome, trainAndSample } from '../demo/train-and-sample.ts';

export const SAMPLE_DIR = fileURLToPath(new URL('../../../samples/fashion-mnist-1k', import.meta.url));
/** The small encoder `python -m selfguide_trainer ssl` trained on Fashion-MNIST (trainer/docs/encoders.md). */
export const DEFAULT_ENCODER = fileURLToPath(new URL('../../../models/fmnist-vit-tiny.onnx', import.meta.url));

/** Fashion-MNIST's classes of the sample images: held-out ground truth, used only to score the clustering. */
export const SAMPLE_LABELS = join(SAMPLE_DIR, 'labels.csv');
const DEMO_K = 10;
/** Segments of the demo's masks: 28×28 images have 7×7 patches, too few for SPEC §4's 27 to mean much. */
const DEMO_SEGMENTS = 8;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the headless demo on the bundled sample collection',
  usage: `selfguide demo [--out DIR] [--train-steps N] [--json]

Creates a project in DIR (default ./selfguide-demo), ingests the bundled sample collection
(${SAMPLE_DIR}), registers the bundled default encoder (${DEFAULT_ENCODER})
extracts its features (cls, patch tokens and attention keys) for every image, clusters them
(k-means, k = ${DEMO_K}) and prints the clustering's NMI, AMI, ARI and purity against the held-out
Fashion-MNIST classes (${SAMPLE_LABELS}, imported as ground truth, never used to cluster), then
finds one LOST box per image (classed by those clusters) and ${DEMO_SEGMENTS} dataset-wide segment maps,
trains the tiny diffusion preset guided by the clusters for ${DEMO_TRAINING.steps} steps (Python trainer,
scripts/setup.sh installs it), samples ${DEMO_SAMPLES.count} images per cluster with w = ${DEMO_SAMPLES.w} through ONNX Runtime
and writes DIR/report/report.html with the numbers and pictures of every step. Running it again
reuses the project: unchanged images and features are skipped; clusters, boxes, masks and the
training are computed again. --train-steps N trains for N steps instead (longer: better samples).`,
  options: { out: { type: 'string', default: 'selfguide-demo' }, 'train-steps': { type: 'string' } },
  async run({ values }) {
    const started = performance.now();
    const quiet = Boolean(values.json);
    const trainSteps = integerOption(values, 'train-steps', 1, 1_000_000);
    const project = createProject(resolve(String(values.out)));
    try {
      addFolder(project.db, SAMPLE_DIR);
      const runner = new JobRunner(project);
      const steps: { name: string; job: Job }[] = [];
      let clusters: ClusterReport | null = null;
      let boxRunId: number | null = null;
      let maskRunId: number | null = null;
      let generative: GenerativeOutcome | null = null;
      const run = async (name: string, job: Job) => {
        const result = await followJob(runner, job, quiet);
        steps.push({ name, job: result.job });
        return result.exitCode;
      };
      if ((await run('scan', runner.submit('scan', { folderIds: [] }))) !== EXIT.ok) return await report();
      const model = await importModel(project, { file: DEFAULT_ENCODER });
      const features = startFeatures(project, runner, { modelId: model.id, withPatches: true, withKeys: true });
      if ((await run('features', features)) !== EXIT.ok) return await report();
      const truth = importLabelsCsv(project, SAMPLE_LABELS, 'fashion-mnist classes');
      const { run: clustering, job } = startClustering(project, runner, { modelId: model.id, k: DEMO_K });
      if ((await run('cluster', job)) !== EXIT.ok) return await report();
      clusters = clusterReport(project, clustering.id, truth.labelling.id);
      // One LOST box per image, classed by the clustering just made; then segment maps.
      const boxes = startBoxes(project, runner, { modelId: model.id, clusterRunId: clustering.id });
      if ((await run('boxes', boxes.job)) !== EXIT.ok) return await report();
      boxRunId = boxes.run.id;
      const masks = startMasks(project, runner, { modelId: model.id, k: DEMO_SEGMENTS });
      if ((await run('masks', masks.job)) !== EXIT.ok) return await report();
      maskRunId = masks.run.id;
      generative = await trainAndSample(project, runner, { clusterRunId: clustering.id, k: DEMO_K, steps: trainSteps, quiet });
      steps.push({ name: 'train', job: generative.train.job });
      return await report();

      async function report(): Promise<number> {
        const counts = libraryCounts(project.db, null);
        const seconds = (performance.now() - started) / 1000;
        const failed = steps.find((step) => step.job.state !== 'done');
        const reportFile = await writeDemoReport(project, { counts, seconds, steps, clusters, boxRunId, maskRunId, generative });
        const samples = generative?.samples.map((row) => ({ cluster: row.cluster, generationId: row.generation.id, state: row.generation.state, files: row.files })) ?? [];
        const samplesFailed = generative !== null && generative.exitCode !== EXIT.ok && !failed;
        printResult(quiet, { project: project.root, counts, steps, clusters, samples, report: reportFile, seconds }, () =>
          [
            `selfguide demo — project ${project.root} (${formatDuration(seconds)})`,
            `  library: ${counts.all} images from ${SAMPLE_DIR} — ${counts.ok} ok, ${counts.broken} broken, ` +
              `${counts.duplicate} in duplicate groups, ${counts.missing} missing`,
            ...steps.map((step) => `  ${step.name}: ${step.job.state}${step.job.message ? ` — ${step.job.message}` : ''}${step.job.error ? ` — ${step.job.error}` : ''}`),
            ...(clusters?.scores ? [`  clusters vs Fashion-MNIST classes: ${formatScores(clusters.scores)}`] : []),
            ...(samples.length ? [`  samples: ${samples.reduce((n, row) => n + row.files.length, 0)} images in ${samples.length} rows (one per cluster, one unguided)`] : []),
            `Report: ${reportFile}`,
            `Browse it: npm run serve -- ${project.root}`,
          ].join('\n'),
        );
        if (failed) return failed.job.state === 'cancelled' ? EXIT.cancelled : EXIT.failed;
        return samplesFailed ? (generative as GenerativeOutcome).exitCode : EXIT.ok;
      }
    } finally {
      project.close();
    }
  },
};
