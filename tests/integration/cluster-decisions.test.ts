// People's edits of a clustering run (rename, merge, split, move, outlier) on real features of
// look-alike colour groups: each edit changes the effective clusters the API, scores and exports read,
// and every edit survives a recompute, which is refused without replace: true.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/core/api/service.ts';
import type { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { clusteringScores } from '../../src/core/labels/clustering-metrics.ts';
import { effectiveAssignments } from '../../src/core/labels/effective-clusters.ts';
import { LabellingStore } from '../../src/core/labels/labelling-store.ts';
import type { Project } from '../../src/core/project/project.ts';
import type { ClusterMap, ClusterMember, ClusterScores, ClusterSummary, LabelImport } from '../../src/shared/clusters.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { selfguide, selfguideJson } from '../support/cli.ts';
import { GROUPS, writeColourGroups } from '../support/colour-groups.ts';
import { projectWithFeatures } from '../support/features-project.ts';
import { tempDir } from '../support/temp.ts';

const PER_GROUP = 6;

describe('cluster decisions', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  const projectDir = join(root, 'project');
  let project: Project;
  let runner: JobRunner;
  let service: Service;
  let runId: number;
  let truth: Map<number, string>;
  let labellingId: number;
  /** The cluster k-means gave each colour group. */
  const clusterOf: Record<string, number> = {};

  const call = <T>(method: string, input: unknown) => service.dispatch(method, input) as Promise<T>;
  const imagesOf = (group: string) => [...truth].filter(([, label]) => label === group).map(([imageId]) => imageId).sort((a, b) => a - b);
  const groupsIn = (cluster: number | null) =>
    effectiveAssignments(project.db, runId)
      .filter((assignment) => assignment.cluster === cluster)
      .map((assignment) => assignment.imageId)
      .sort((a, b) => a - b);

  beforeAll(async () => {
    await writeColourGroups(photos, PER_GROUP);
    ({ project, runner } = await projectWithFeatures(projectDir, photos));
    service = createService(project, runner);
    const labels = await call<LabelImport>('labels.import', { fromFolders: true });
    labellingId = labels.labelling.id;
    truth = new LabellingStore(project.db).labels(labellingId);
    const started = await call<{ run: { id: number }; job: Job }>('clusters.start', { k: 3, seed: 5 });
    expect((await runner.waitFor(started.job.id)).state).toBe('done');
    runId = started.run.id;
    for (const group of Object.keys(GROUPS)) {
      const clusters = new Set(imagesOf(group).map((imageId) => effectiveAssignments(project.db, runId).find((a) => a.imageId === imageId)?.cluster));
      expect(clusters.size).toBe(1);
      clusterOf[group] = [...clusters][0] as number;
    }
  });
  afterAll(async () => {
    await runner.stop();
    project.close();
  });

  it('starts with the computed clusters and no decisions', async () => {
    const summary = await call<ClusterSummary>('clusters.summary', { runId });
    expect(summary.decisions).toBe(0);
    expect(summary.outliers).toBe(0);
    expect(summary.clusters.map((cluster) => cluster.size)).toEqual([PER_GROUP, PER_GROUP, PER_GROUP]);
    for (const group of Object.keys(GROUPS)) expect(groupsIn(clusterOf[group]!)).toEqual(imagesOf(group));
  });

  it('merges one cluster into another: its images count there and it is empty', async () => {
    const [green, blue] = [clusterOf.green!, clusterOf.blue!];
    const summary = await call<ClusterSummary>('clusters.merge', { runId, clusterIds: [green], into: blue });
    expect(summary.clusters.find((cluster) => cluster.id === green)).toMatchObject({ size: 0, mergedInto: blue });
    expect(summary.clusters.find((cluster) => cluster.id === blue)).toMatchObject({ size: 2 * PER_GROUP, mergedInto: null });
    expect(groupsIn(blue)).toEqual([...imagesOf('green'), ...imagesOf('blue')].sort((a, b) => a - b));
    const page = await call<{ total: number; items: ClusterMember[] }>('clusters.images', { runId, clusterId: blue, offset: 0, limit: 100 });
    expect(page.total).toBe(2 * PER_GROUP);
    expect(page.items.filter((item) => item.decided).map((item) => item.imageId).sort((a, b) => a - b)).toEqual(imagesOf('green'));
    // A merged cluster is neither a target nor a source any more.
    await expect(call('clusters.move', { runId, imageIds: [imagesOf('red')[0]], clusterId: green })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(call('clusters.merge', { runId, clusterIds: [blue], into: blue })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('splits the merged cluster by re-clustering its members: the two colours come apart again', async () => {
    const blue = clusterOf.blue!;
    const summary = await call<ClusterSummary>('clusters.split', { runId, clusterId: blue });
    const made = summary.clusters.filter((cluster) => cluster.splitFrom === blue);
    expect(made.map((cluster) => cluster.id)).toEqual([3]);
    expect(made[0]!.size).toBe(PER_GROUP);
    const parts = [groupsIn(blue), groupsIn(3)].map((ids) => ids.join()).sort();
    expect(parts).toEqual([imagesOf('green').join(), imagesOf('blue').join()].sort());
    // Split members are sorted by their distance to the sub-centroid.
    const page = await call<{ items: ClusterMember[] }>('clusters.images', { runId, clusterId: 3, offset: 0, limit: 100 });
    const distances = page.items.map((item) => item.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
  });

  it('renames, moves selected images and marks outliers', async () => {
    const red = clusterOf.red!;
    const [moved, outlier] = imagesOf('red');
    await call('clusters.rename', { runId, clusterId: 3, name: 'split-off' });
    let summary = await call<ClusterSummary>('clusters.move', { runId, imageIds: [moved], clusterId: 3 });
    expect(summary.clusters.find((cluster) => cluster.id === 3)).toMatchObject({ name: 'split-off', renamed: true, size: PER_GROUP + 1 });
    summary = await call<ClusterSummary>('clusters.outlier', { runId, imageIds: [outlier] });
    expect(summary.outliers).toBe(1);
    expect(summary.clusters.find((cluster) => cluster.id === red)!.size).toBe(PER_GROUP - 2);
    const outliers = await call<{ total: number; items: ClusterMember[] }>('clusters.images', { runId, clusterId: null });
    expect(outliers.items.map((item) => [item.imageId, item.cluster])).toEqual([[outlier, null]]);
    const byId = await call<ClusterMember[]>('clusters.members', { runId, imageIds: [outlier, moved] });
    expect(byId.map((item) => [item.imageId, item.cluster])).toEqual([[outlier, null], [moved, 3]]);
    await expect(call('clusters.move', { runId, imageIds: [999_999], clusterId: red })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('scores the effective clustering, not the computed one', async () => {
    const scores = await call<ClusterScores>('clusters.score', { runId, labellingId });
    const scored = effectiveAssignments(project.db, runId).filter((assignment) => assignment.cluster !== null);
    expect(scores.images).toBe(3 * PER_GROUP - 1);
    const expected = clusteringScores(scored.map((a) => truth.get(a.imageId) as string), scored.map((a) => a.cluster as number));
    expect({ nmi: scores.nmi, ami: scores.ami, ari: scores.ari, purity: scores.purity }).toEqual(expected);
    expect(scores.purity).toBeCloseTo((3 * PER_GROUP - 2) / (3 * PER_GROUP - 1), 10);
  });

  it('refuses to recompute over decisions without replace: true, and keeps every decision when replacing', async () => {
    const summary = await call<ClusterSummary>('clusters.summary', { runId });
    const before = effectiveAssignments(project.db, runId).map(({ imageId, cluster }) => [imageId, cluster]);
    // 1 name + 1 merge + 1 split cluster + split-off, moved and outlier images.
    expect(summary.decisions).toBe(1 + 1 + 1 + PER_GROUP + 2);
    await expect(call('clusters.recompute', { runId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('replace: true') });
    expect(summary.run.jobId).toBe((await call<ClusterSummary>('clusters.summary', { runId })).run.jobId);

    // Spoil the computed rows, so only a real recompute brings the original clusters back.
    project.db.prepare('UPDATE cluster_assignments SET cluster = 0, distance = 9 WHERE run_id = ?').run(runId);
    const recomputed = await call<{ job: Job }>('clusters.recompute', { runId, replace: true });
    expect(recomputed.job.id).not.toBe(summary.run.jobId);
    expect((await runner.waitFor(recomputed.job.id)).state).toBe('done');
    const after = await call<ClusterSummary>('clusters.summary', { runId });
    expect(after.decisions).toBe(summary.decisions);
    expect(after.clusters).toEqual(summary.clusters);
    expect(after.outliers).toBe(1);
    expect(effectiveAssignments(project.db, runId).map(({ imageId, cluster }) => [imageId, cluster])).toEqual(before);
    // The spoiled distances (9) were recomputed (squared distances of unit vectors are at most 4).
    expect((project.db.prepare('SELECT max(distance) AS d FROM cluster_assignments WHERE run_id = ?').get(runId) as { d: number }).d).toBeLessThan(4);
  });

  it('takes an outlier mark back, and a run without decisions recomputes without asking', async () => {
    const [, outlier] = imagesOf('red');
    const summary = await call<ClusterSummary>('clusters.outlier', { runId, imageIds: [outlier], outlier: false });
    expect(summary.outliers).toBe(0);
    expect(groupsIn(clusterOf.red!)).toContain(outlier);

    const fresh = await call<{ run: { id: number }; job: Job }>('clusters.start', { k: 2, seed: 1, restarts: 1 });
    expect((await runner.waitFor(fresh.job.id)).state).toBe('done');
    const again = await call<{ job: Job }>('clusters.recompute', { runId: fresh.run.id });
    expect((await runner.waitFor(again.job.id)).state).toBe('done');
  });

  it('recomputes from the CLI only with --replace when the run has decisions', async () => {
    const decisions = (await call<ClusterSummary>('clusters.summary', { runId })).decisions;
    expect(decisions).toBeGreaterThan(0);
    const refused = selfguide(['cluster', '--recompute', String(runId), '--project', projectDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--replace');
    const replaced = selfguideJson<{ job: { state: string }; run: { id: number } }>(['cluster', '--recompute', String(runId), '--replace', '--project', projectDir]);
    expect(replaced.code).toBe(0);
    expect(replaced.json).toMatchObject({ job: { state: 'done' }, run: { id: runId } });
    expect((await call<ClusterSummary>('clusters.summary', { runId })).decisions).toBe(decisions);
    expect(selfguide(['cluster', '--recompute', String(runId), '--k', '3', '--project', projectDir]).code).toBe(2);
  });

  it('lays the run out on a map in a job, cached per model and method, coloured by effective cluster', async () => {
    expect(await call('clusters.map', { runId })).toBeNull();
    const [outlier] = imagesOf('green');
    await call('clusters.outlier', { runId, imageIds: [outlier] });
    for (const method of ['umap', 'pca'] as const) {
      const job = await call<Job>('clusters.computeMap', { runId, method });
      expect((await runner.waitFor(job.id)).state).toBe('done');
      expect(existsSync(join(project.root, 'maps', `vit-tiny.${method}.bin`))).toBe(true);
    }
    // Without a method: UMAP for a run this small.
    const map = await call<ClusterMap>('clusters.map', { runId });
    expect(map).toMatchObject({ runId, method: 'umap', missing: 0 });
    expect(map.imageIds).toEqual([...truth.keys()].sort((a, b) => a - b));
    const effective = new Map(effectiveAssignments(project.db, runId).map((a) => [a.imageId, a.cluster ?? -1]));
    expect(map.clusters).toEqual(map.imageIds.map((imageId) => effective.get(imageId)));
    expect(map.clusters[map.imageIds.indexOf(outlier!)]).toBe(-1);
    const coordinates = [...map.x, ...map.y];
    expect(Math.min(...coordinates)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...coordinates)).toBeLessThanOrEqual(1);
    // Look-alike groups land together: every point's nearest neighbour on the map is of its own colour.
    const group = map.imageIds.map((imageId) => truth.get(imageId));
    map.imageIds.forEach((_, i) => {
      let nearest = -1;
      let best = Infinity;
      map.imageIds.forEach((__, j) => {
        const d = (map.x[i]! - map.x[j]!) ** 2 + (map.y[i]! - map.y[j]!) ** 2;
        if (j !== i && d < best) [best, nearest] = [d, j];
      });
      expect(group[nearest]).toBe(group[i]);
    });
    const pca = await call<ClusterMap>('clusters.map', { runId, method: 'pca' });
    expect(pca.method).toBe('pca');
    expect(pca.x).not.toEqual(map.x);
  });
});
