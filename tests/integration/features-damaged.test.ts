// Stored features that are not finite numbers (written before the features job checked its outputs,
// or damaged on disk), or rows past the end of a truncated file, must not break what reads them:
// clustering leaves those images out and says so, and the next features job extracts them again.
import { openSync, writeSync, closeSync, statSync, truncateSync } from 'node:fs';
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
import { colourGroupsWithFeatures, projectWithFeatures } from '../support/features-project.ts';
import { tempDir } from '../support/temp.ts';

const PER_GROUP = 3;
const IMAGES = Object.keys(GROUPS).length * PER_GROUP;
const [F16_NAN, F16_INFINITY] = [0x7e00, 0x7c00];

async function cluster(project: Project, runner: JobRunner): Promise<{ job: Job; images: number; distances: number[] }> {
  const started = (await createService(project, runner).dispatch('clusters.start', { k: 3, seed: 1 })) as { run: { id: number }; job: { id: number } };
  const job = await runner.waitFor(started.job.id);
  const run = new ClusterStore(project.db).get(started.run.id);
  const distances = (project.db.prepare('SELECT distance FROM cluster_assignments WHERE run_id = ?').all(run.id) as { distance: number }[]).map((row) => row.distance);
  return { job, images: run.images ?? 0, distances };
}

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

  it('clusters the other images and says which were left out and what to run', async () => {
    const { job, images, distances } = await cluster(project, runner);
    expect(job.state).toBe('done');
    expect(images).toBe(IMAGES - 2);
    expect(distances.every(Number.isFinite)).toBe(true);
    expect(job.message).toContain(`2 images left out, whose stored features were damaged (not finite numbers, or cut off the end of a file): run selfguide features --model ${modelId}`);
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

    const { job, images } = await cluster(project, runner);
    expect(job.state).toBe('done');
    expect(images).toBe(IMAGES);
    expect(job.message).not.toContain('left out');
  });
});

describe('a truncated features file', () => {
  const fixture = colourGroupsWithFeatures(PER_GROUP);
  let width: number;

  /** Cuts the cls file in the middle of row `keep` (a full disk, a copy cut short); returns the images whose rows are gone. */
  function truncateCls(keep: number): number[] {
    truncateSync(featureFilePath(fixture.project, fixture.modelId, 'cls'), 2 * width * keep + 3);
    const lost = fixture.project.db.prepare("SELECT image_id FROM image_features WHERE model_id = ? AND kind = 'cls' AND row >= ? ORDER BY image_id").all(fixture.modelId, keep);
    return (lost as { image_id: number }[]).map((row) => row.image_id);
  }

  /**
   * Runs the features job and checks that it extracted exactly the `lost` images again: the others keep
   * their rows, and the file grew by one row per lost image only (rows are allocated by the job alone).
   */
  async function extractExactly(lost: number[]): Promise<Job> {
    const index = new FeatureIndex(fixture.project.db, fixture.modelId);
    const kept = allIds().filter((id) => !lost.includes(id));
    const keptRows = index.rows('cls', kept);
    const features = (await createService(fixture.project, fixture.runner).dispatch('features.start', { modelId: fixture.modelId })) as Job;
    const job = await fixture.runner.waitFor(features.id);
    expect(job.state).toBe('done');
    expect(index.rows('cls', kept)).toEqual(keptRows);
    expect(index.rows('cls', lost).size).toBe(lost.length);
    expect(statSync(featureFilePath(fixture.project, fixture.modelId, 'cls')).size).toBe(2 * width * IMAGES);
    const reread = readFeatures(fixture.project, fixture.modelId, allIds(), 'cls');
    expect(reread.found.every(Boolean)).toBe(true);
    expect(reread.damaged).toEqual([]);
    return job;
  }

  function allIds(): number[] {
    return (fixture.project.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((row) => row.id);
  }

  beforeAll(() => {
    width = new FeatureIndex(fixture.project.db, fixture.modelId).shape('cls')?.[0] as number;
  });

  it('clusters the images whose rows are in the file, says how many were left out; the features job extracts exactly those', async () => {
    const lost = truncateCls(5);
    expect(lost).toHaveLength(IMAGES - 5);
    const first = await cluster(fixture.project, fixture.runner);
    expect(first.job.state).toBe('done');
    expect(first.images).toBe(5);
    expect(first.job.message).toContain(`${IMAGES - 5} images left out, whose stored features were damaged`);
    expect(new FeatureIndex(fixture.project.db, fixture.modelId).rows('cls', lost).size).toBe(0);

    await extractExactly(lost);

    const again = await cluster(fixture.project, fixture.runner);
    expect(again.job.state).toBe('done');
    expect(again.images).toBe(IMAGES);
    expect(again.job.message).not.toContain('left out');
  });

  it('has the features job itself find rows missing from the file, even before anything read them', async () => {
    const lost = truncateCls(2);
    expect(lost).toHaveLength(IMAGES - 2);
    const job = await extractExactly(lost);
    expect(job.message).not.toContain('nothing to extract');
  });
});
