// A seed reproduces a clustering and a segment fit across projects: the same photos imported in another
// order (so with other image ids) give the same clusters, inertia and segments, because k-means and its
// seeded samples see the images in content order.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { addFolder } from '../../src/core/library/folders.ts';
import { ClusterStore } from '../../src/core/labels/cluster-store.ts';
import { effectiveAssignments } from '../../src/core/labels/effective-clusters.ts';
import { segmentCentroidFile } from '../../src/core/labels/mask-store.ts';
import { splitCluster } from '../../src/core/labels/split-cluster.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import type { MaskRun } from '../../src/shared/masks.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { seededRng } from '../../src/core/labels/rng.ts';
import { TINY_VIT } from '../support/models.ts';
import { tempDir } from '../support/temp.ts';

const PER_FOLDER = 12;

/** Noise images: no cluster structure, so where k-means starts decides where it ends. */
async function writeNoise(folder: string, seed: number): Promise<void> {
  mkdirSync(folder, { recursive: true });
  const random = seededRng(seed);
  for (let i = 0; i < PER_FOLDER; i++) {
    const data = Buffer.from(Array.from({ length: 32 * 32 * 3 }, () => random.int(256)));
    await sharp(data, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(folder, `noise-${i}.png`));
  }
}

/** A project that scans `folders` one job after another (so the first folder's images get the lower ids), with cls and patch features. */
async function projectScanning(dir: string, folders: string[]): Promise<{ project: Project; runner: JobRunner }> {
  const project = createProject(dir);
  const runner = new JobRunner(project);
  for (const folder of folders) {
    const { id: folderId } = addFolder(project.db, folder);
    const scan = await runner.waitFor(runner.submit('scan', { folderIds: [folderId] }).id);
    if (scan.state !== 'done') throw new Error(`scan ended ${scan.state}: ${scan.error}`);
  }
  const model = await importModel(project, { file: TINY_VIT });
  const started = (await createService(project, runner).dispatch('features.start', { modelId: model.id, withPatches: true })) as Job;
  const features = await runner.waitFor(started.id);
  if (features.state !== 'done') throw new Error(`features job ended ${features.state}: ${features.error}`);
  return { project, runner };
}

/** The run's effective cluster of each image, by content. */
function clustersByContent(project: Project, runId: number): Map<string, number | null> {
  const sha = new Map((project.db.prepare('SELECT id, sha256 FROM images').all() as { id: number; sha256: string }[]).map((row) => [row.id, row.sha256]));
  return new Map(effectiveAssignments(project.db, runId).map((assignment) => [sha.get(assignment.imageId) as string, assignment.cluster]));
}

/** A new run's cluster of each image by content, its inertia and the images' content in id order. */
async function newRunByContent(project: Project, runner: JobRunner): Promise<{ runId: number; clusters: Map<string, number>; inertia: number; idOrder: string[] }> {
  const started = (await createService(project, runner).dispatch('clusters.start', { k: 4, seed: 5, restarts: 1 })) as { run: { id: number }; job: { id: number } };
  expect((await runner.waitFor(started.job.id)).state).toBe('done');
  const rows = project.db
    .prepare('SELECT i.sha256, a.cluster FROM cluster_assignments a JOIN images i ON i.id = a.image_id WHERE a.run_id = ? ORDER BY i.id')
    .all(started.run.id) as { sha256: string; cluster: number }[];
  const inertia = new ClusterStore(project.db).get(started.run.id).inertia as number;
  return { runId: started.run.id, clusters: new Map(rows.map((row) => [row.sha256, row.cluster])), inertia, idOrder: rows.map((row) => row.sha256) };
}

/** The segment centroids of a mask run fitted on a seeded sample of 6 of the images. */
async function segmentFit(project: Project, runner: JobRunner, tokensPerImage: number): Promise<Buffer> {
  const started = (await createService(project, runner).dispatch('masks.start', { k: 3, seed: 5, maxTokens: 6 * tokensPerImage })) as { run: MaskRun; job: Job };
  expect((await runner.waitFor(started.job.id)).state).toBe('done');
  return readFileSync(join(project.root, segmentCentroidFile(started.run.id)));
}

describe('clustering is reproducible across projects', () => {
  const root = tempDir();
  const [first, second] = [join(root, 'first'), join(root, 'second')];
  const opened: { project: Project; runner: JobRunner }[] = [];
  const runs: number[] = [];

  beforeAll(async () => {
    await writeNoise(first, 1);
    await writeNoise(second, 2);
  });
  afterAll(async () => {
    for (const { project, runner } of opened) {
      await runner.stop();
      project.close();
    }
  });

  it('gives the same photos the same clusters and inertia whichever order they were imported in', async () => {
    const projectAb = await projectScanning(join(root, 'project-ab'), [first, second]);
    const projectBa = await projectScanning(join(root, 'project-ba'), [second, first]);
    opened.push(projectAb, projectBa);
    const ab = await newRunByContent(projectAb.project, projectAb.runner);
    const ba = await newRunByContent(projectBa.project, projectBa.runner);
    runs.push(ab.runId, ba.runId);

    // The two projects number the photos differently...
    expect(ab.idOrder).toHaveLength(2 * PER_FOLDER);
    expect(ba.idOrder).not.toEqual(ab.idOrder);
    // ...and still cluster them alike, cluster numbers included.
    expect(ba.inertia).toBe(ab.inertia);
    expect(new Set(ab.clusters.values()).size).toBe(4);
    for (const [sha256, cluster] of ab.clusters) expect(ba.clusters.get(sha256), sha256).toBe(cluster);
  }, 120_000);

  it('splits the same cluster into the same parts in both projects', async () => {
    const [projectAb, projectBa] = opened as [{ project: Project; runner: JobRunner }, { project: Project; runner: JobRunner }];
    const [runAb, runBa] = runs as [number, number];
    const sizes = new Map<number, number>();
    for (const cluster of clustersByContent(projectAb.project, runAb).values()) sizes.set(cluster as number, (sizes.get(cluster as number) ?? 0) + 1);
    const largest = [...sizes].sort((a, b) => b[1] - a[1])[0]![0];
    await splitCluster(projectAb.project, runAb, largest, 3);
    await splitCluster(projectBa.project, runBa, largest, 3);
    const [ab, ba] = [clustersByContent(projectAb.project, runAb), clustersByContent(projectBa.project, runBa)];
    expect(new Set(ab.values()).size).toBe(6);
    expect(ba).toEqual(ab);
  });

  it('fits the same segments from the same seeded sample of images in both projects', async () => {
    const [projectAb, projectBa] = opened as [{ project: Project; runner: JobRunner }, { project: Project; runner: JobRunner }];
    const tokensPerImage = 14 * 14; // the tiny ViT's patch grid (input 224, patch 16)
    const [ab, ba] = [await segmentFit(projectAb.project, projectAb.runner, tokensPerImage), await segmentFit(projectBa.project, projectBa.runner, tokensPerImage)];
    expect(ab.length).toBeGreaterThan(0);
    expect(ba.equals(ab)).toBe(true);
  }, 120_000);
});
