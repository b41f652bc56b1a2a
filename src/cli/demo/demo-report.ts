// The demo's HTML report: what each step produced, as numbers and picture rows (cluster exemplars, LOST
// boxes, segment maps, the training's preview grids, guided samples per cluster). Self-contained: the
// pictures are embedded, so report.html can be opened or sent on its own.
import { join } from 'node:path';
import { BoxStore } from '../../core/labels/box-store.ts';
import { effectiveMembers } from '../../core/labels/effective-clusters.ts';
import { MaskStore } from '../../core/labels/mask-store.ts';
import { registeredImageFile } from '../../core/library/queries.ts';
import type { Project } from '../../core/project/project.ts';
import { type ReportSection, writeHtmlReport } from '../../core/report/html-report.ts';
import { runPaths } from '../../core/train/run-files.ts';
import { trainRunDetail } from '../../core/train/run-detail.ts';
import type { LibraryCounts } from '../../shared/schemas.ts';
import type { Job } from '../../shared/schemas.ts';
import type { ClusterReport } from '../cluster-report.ts';
import { writeImageStrip } from './image-strip.ts';
import { DEMO_SAMPLES, type GenerativeOutcome } from './train-and-sample.ts';

export interface DemoResults {
  counts: LibraryCounts;
  seconds: number;
  steps: { name: string; job: Job }[];
  clusters: ClusterReport | null;
  boxRunId: number | null;
  maskRunId: number | null;
  generative: GenerativeOutcome | null;
}

const ROW = 8;

function imagePath(project: Project, imageId: number): string {
  const file = registeredImageFile(project.db, imageId);
  if (!file) throw new Error(`image #${imageId} is not in the project`);
  return file.path;
}

/** Writes <project>/report/report.html (and its picture rows next to it); returns the report's path. */
export async function writeDemoReport(project: Project, results: DemoResults): Promise<string> {
  const dir = join(project.root, 'report');
  const strip = async (name: string, cells: Parameters<typeof writeImageStrip>[0]) => {
    const file = join(dir, `${name}.png`);
    await writeImageStrip(cells, file);
    return file;
  };
  const sections: ReportSection[] = [librarySection(results)];
  if (results.clusters) sections.push(await clusterSection(project, results.clusters, strip));
  if (results.boxRunId !== null) sections.push(await boxSection(project, results.boxRunId, strip));
  if (results.maskRunId !== null) sections.push(await maskSection(project, results.maskRunId, strip));
  if (results.generative) sections.push(...(await generativeSections(project, results.generative, results.clusters, strip)));
  const file = join(dir, 'report.html');
  await writeHtmlReport(file, { title: `selfguide demo — ${project.root}`, sections });
  return file;
}

type Strip = (name: string, cells: Parameters<typeof writeImageStrip>[0]) => Promise<string>;

function librarySection({ counts, seconds, steps }: DemoResults): ReportSection {
  return {
    title: 'Run',
    numbers: [
      ['images', counts.all],
      ['ok / broken / missing', `${counts.ok} / ${counts.broken} / ${counts.missing}`],
      ['total time', `${seconds.toFixed(0)} s`],
    ],
    table: { columns: ['step', 'state', 'result'], rows: steps.map(({ name, job }) => [name, job.state, job.error ?? job.message ?? '']) },
  };
}

async function clusterSection(project: Project, report: ClusterReport, strip: Strip): Promise<ReportSection> {
  const majority = new Map(report.scores?.clusters.map((cluster) => [cluster.id, cluster]) ?? []);
  const live = report.clusters.filter((cluster) => cluster.mergedInto === null && cluster.size > 0);
  const images = [];
  for (const cluster of live) {
    const { items } = effectiveMembers(project.db, report.run.id, cluster.id, 0, ROW);
    const vote = majority.get(cluster.id)?.majorityLabel;
    images.push({
      caption: `${cluster.name} (${cluster.size} images${vote ? `, mostly "${vote}"` : ''}): nearest to the centroid`,
      file: await strip(`cluster-${cluster.id}`, items.map((item) => ({ file: imagePath(project, item.imageId) }))),
    });
  }
  const scores = report.scores;
  return {
    title: `Self-labels: k-means clusters (k = ${report.run.k}) of the encoder's cls features`,
    paragraphs: scores
      ? ['Scored against the held-out Fashion-MNIST classes (never used to cluster). The bundled encoder is small and briefly trained (docs/ssl.md), so the clusters are coarse.']
      : [],
    numbers: scores ? [['NMI', scores.nmi], ['AMI', scores.ami], ['ARI', scores.ari], ['purity', scores.purity]] : [],
    table: {
      columns: ['cluster', 'images', 'majority class', 'share'],
      rows: live.map((cluster) => {
        const vote = majority.get(cluster.id);
        return [cluster.name, cluster.size, vote?.majorityLabel ?? '', vote ? `${((100 * vote.majorityCount) / vote.size).toFixed(0)} %` : ''];
      }),
    },
    images,
  };
}

async function boxSection(project: Project, runId: number, strip: Strip): Promise<ReportSection> {
  const boxes = new BoxStore(project.db).all(runId).filter((item) => item.effective.box !== null);
  const areas = boxes.map(({ effective, width, height }) => {
    const [x0, y0, x1, y1] = effective.box as [number, number, number, number];
    return ((x1 - x0) * (y1 - y0)) / Math.max(1, width * height);
  });
  const mean = areas.reduce((sum, area) => sum + area, 0) / Math.max(1, areas.length);
  const shown = boxes.slice(0, ROW);
  return {
    title: 'LOST boxes (one per image, from the attention keys)',
    numbers: [
      ['images with a box', boxes.length],
      ['mean box area', `${(100 * mean).toFixed(0)} % of the image`],
      ['boxes covering the whole image', areas.filter((area) => area >= 0.999).length],
    ],
    images: [{ caption: 'the first images with their boxes', file: await strip('boxes', shown.map((item) => ({ file: imagePath(project, item.imageId), box: item.effective.box }))) }],
  };
}

async function maskSection(project: Project, runId: number, strip: Strip): Promise<ReportSection> {
  const store = new MaskStore(project.db);
  const run = store.get(runId);
  const ids = (project.db.prepare('SELECT image_id FROM image_masks WHERE run_id = ? ORDER BY image_id LIMIT ?').all(runId, ROW) as { image_id: number }[]).map((row) => row.image_id);
  const masks = ids.map((id) => store.storedFile(runId, id)).filter((file): file is string => file !== null);
  return {
    title: `Segment masks (K = ${run.k}, dataset-wide k-means over patch tokens)`,
    numbers: [['images with a segment map', run.images]],
    images: [
      { caption: 'images', file: await strip('mask-images', ids.map((id) => ({ file: imagePath(project, id) }))) },
      { caption: 'their segment maps (one colour per segment, the same in every image)', file: await strip('masks', masks.map((file) => ({ file: join(project.root, file) }))) },
    ],
  };
}

async function generativeSections(project: Project, outcome: GenerativeOutcome, clusters: ClusterReport | null, strip: Strip): Promise<ReportSection[]> {
  const { run } = outcome.train;
  const detail = trainRunDetail(project, run.id, { maxPoints: 50, logLines: 0 });
  const losses = detail.metrics.filter((point) => point.loss !== null);
  const speeds = losses.map((point) => point.imagesPerSecond).filter((speed): speed is number => speed !== null);
  const previews = runPaths(project, run.id).previewsDir;
  const training: ReportSection = {
    title: `Training: ${run.preset} preset, guided by the clusters (run #${run.id})`,
    numbers: [
      ['state', run.state],
      ['steps × batch', `${run.step} × ${run.parameters.batchSize}`],
      ['resolution', `${run.parameters.resolution} px, ${run.parameters.channels} channel(s)`],
      ['training images (held out)', `${run.images ?? 0} (${run.valImages ?? 0})`],
      ['loss: first → last logged', losses.length ? `${losses[0]?.loss?.toFixed(4)} → ${losses.at(-1)?.loss?.toFixed(4)}` : '—'],
      ['images/s (mean)', speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : '—'],
    ],
    paragraphs: ['A few hundred steps on a CPU: the samples show coarse shapes, not finished garments. Train longer (selfguide train --resume) for quality.'],
    images: detail.previews.map((preview) => ({ caption: `preview grid at step ${preview.step}, w = ${preview.w}`, file: join(previews, preview.file) })),
  };
  const names = new Map(clusters?.clusters.map((cluster) => [cluster.id, cluster.name]) ?? []);
  const majority = new Map(clusters?.scores?.clusters.map((cluster) => [cluster.id, cluster.majorityLabel]) ?? []);
  const images = [];
  for (const row of outcome.samples) {
    if (row.files.length === 0) continue;
    const label = row.cluster === null ? 'unguided (null condition)' : `${names.get(row.cluster) ?? `cluster ${row.cluster}`}${majority.get(row.cluster) ? ` (mostly "${majority.get(row.cluster)}")` : ''}`;
    images.push({
      caption: `${label} · seed ${row.generation.parameters.seed}`,
      file: await strip(`samples-${row.cluster ?? 'none'}`, row.files.map((file) => ({ file }))),
    });
  }
  const samples: ReportSection = {
    title: 'Guided samples, one row per cluster (ONNX Runtime, no Python)',
    numbers: [
      ['sampler', `${DEMO_SAMPLES.sampler}, ${DEMO_SAMPLES.steps} steps`],
      ['guidance', `w = ${DEMO_SAMPLES.w}: ε̃ = (1 − w)·ε∅ + w·εc`],
      ['images per row', DEMO_SAMPLES.count],
    ],
    paragraphs: ['Every PNG carries its parameters (model, seed, w, steps, condition); load them back in the Generate view.'],
    images,
  };
  return [training, samples];
}
