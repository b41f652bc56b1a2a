// Stored features that are not finite numbers (written before the features job checked its outputs,
// or damaged on disk) must not break what reads them: clustering leaves those images out and says so,
// and the next features job extracts them again.
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/core/api/service.ts';
import { FeatureIndex } from '../../src/core/features/feature-index.ts';
import { featureFilePath } from '../../src/core/features/feature-files.ts';
import { readFeatures } from '../../src/core/features/reader.ts';
import type { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { ClusterStore } from '../../src/core/labels/cluster-store.ts';
import type { Project } from '../../src/core/project/project.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { GROUPS, writeColourGroups } from '../support/colour-groups.ts';
import { projectWithFeatures } from '../support/features-project.ts';
import { tempDir } from '../support/temp.ts';

const PER_GROUP = 3;
const IMAGES = Object.keys(GROUPS).length * PER_GROUP;
const [F16_NAN, F16_INFINITY] = [0x7e00, 0x7c00];

describe('damaged stored features', () => {
  const root = tempDir();
  let project: Project;
  let runner: JobRunner;
  let modelId: string;
  let damagedIds: number[];

  beforeAll(async () => {
    await writeColourGroups(join(root, 'photos'), PER_GROUP);
    ({ project, runner } = await projectWithFeatures(join(root, 'project'), join(root, 'photos')));
    modelId = (project.db.prepare('SELECT DISTINCT model_id FROM image_features').get() as { model_id: string }).model_id;
    // One image's cls row all NaN, another's with a single +∞, written over the file as a damaged disk would.
    damagedIds = (project.db.prepare("SELECT id FROM images WHERE rel_path IN ('red/img-1.png', 'blue/img-2.png') ORDER BY id").all() as { id: number }[]).map((row) => row.id);
    const index = new FeatureIndex(project.db, modelId);
    const width = index.shape('cls')?.[0] as number;
    const rows = index.rows('cls', damagedIds);
    const file = openSync(featureFilePath(project, modelId, 'cls'), 'r+');
    const [allNan, oneInfinite] = damagedIds.map((id) => rows.get(id) as number) as [number, number];
    writeSync(file, Buffer.from(new Uint16Array(width).fill(F16_NAN).buffer), 0, 2 * width, 2 * width * allNan);
    writeSync(file, Buffer.from(Uint16Array.of(F16_INFINITY).buffer), 0, 2, 2 * width * oneInfinite + 2 * 5);
    closeSync(file);
  });
  afterAll(async () => {
    await runner.stop();
    project.close();
  });

  async function cluster(): Promise<{ job: Job; images: number; distances: number[] }> {
    const started = (await createService(project, runner).dispatch('clusters.start', { k: 3, seed: 1 })) as { run: { id: number }; job: { id: number } };
    const job = await runner.waitFor(started.job.id);
    const run = new ClusterStore(project.db).get(started.run.id);
    const distances = (project.db.prepare('SELECT distance FROM cluster_assignments WHERE run_id = ?').all(run.id) as { distance: number }[]).map((row) => row.distance);
    return { job, images: run.images ?? 0, distances };
  }

  it('clusters the other images and says which were left out and what to run', async () => {
    const { job, images, distances } = await cluster();
    expect(job.state).toBe('done');
    expect(images).toBe(IMAGES - 2);
    expect(distances.every(Number.isFinite)).toBe(true);
    expect(job.message).toContain(`2 images left out, whose stored features were damaged (not finite numbers): run selfguide features --model ${modelId}`);
    // The damaged rows left the index: the images count as without features now.
    expect(new FeatureIndex(project.db, modelId).rows('cls', damagedIds).size).toBe(0);
  });

  it('has the next features job extract them again, after which every image clusters', async () => {
    const features = (await createService(project, runner).dispatch('features.start', { modelId })) as Job;
    expect((await runner.waitFor(features.id)).state).toBe('done');
    const reread = readFeatures(project, modelId, damagedIds, 'cls');
    expect(reread.found).toEqual([true, true]);
    expect(reread.damaged).toEqual([]);
    expect(reread.data.every(Number.isFinite)).toBe(true);

    const { job, images } = await cluster();
    expect(job.state).toBe('done');
    expect(images).toBe(IMAGES);
    expect(job.message).not.toContain('left out');
  });
});
