import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import type { JobContext } from '../../src/core/jobs/job-context.ts';
import { runClustering } from '../../src/core/labels/cluster-job.ts';
import { ClusterStore } from '../../src/core/labels/cluster-store.ts';
import { clusteringScores } from '../../src/core/labels/clustering-metrics.ts';
import { effectiveClusters } from '../../src/core/labels/effective-clusters.ts';
import { LabellingStore } from '../../src/core/labels/labelling-store.ts';
import type { Project } from '../../src/core/project/project.ts';
import { modelClusterNames } from '../../src/core/sample/model-cluster-names.ts';
import type { ClusterScores, LabelImport } from '../../src/shared/clusters.ts';
import type { DiffusionModelInfo } from '../../src/shared/generations.ts';
import { selfguide, selfguideJson } from '../support/cli.ts';
import { GROUPS, writeColourGroups } from '../support/colour-groups.ts';
import { projectWithFeatures } from '../support/features-project.ts';
import { tempDir } from '../support/temp.ts';

const PER_GROUP = 5;
const IMAGES = Object.keys(GROUPS).length * PER_GROUP;

/** A context that runs the handler in this thread; `cancelAfter` progress reports flip the cancel flag. */
function inlineContext(project: Project, spec: unknown, cancelAfter = Infinity): JobContext {
  let reports = 0;
  return {
    jobId: 0,
    project,
    spec,
    isCancelled: () => reports >= cancelAfter,
    progress: (update) => {
      if (update.done !== undefined) reports++;
    },
    itemFailed: () => undefined,
    libraryChanged: () => undefined,
  };
}

describe('image clustering', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  const projectDir = join(root, 'project');
  let project: Project;
  let runner: JobRunner;
  let folderLabels: LabelImport;

  beforeAll(async () => {
    await writeColourGroups(photos, PER_GROUP);
    ({ project, runner } = await projectWithFeatures(projectDir, photos));
    folderLabels = (await createService(project, runner).dispatch('labels.import', { fromFolders: true })) as LabelImport;
  });
  afterAll(async () => {
    await runner.stop();
    project.close();
  });

  it('imports folder names as ground truth for every image', () => {
    expect(folderLabels).toMatchObject({ matched: IMAGES, unmatchedCount: 0, labelling: { name: 'folders', images: IMAGES, labels: 3 } });
    const labels = new LabellingStore(project.db).labels(folderLabels.labelling.id);
    const redImage = project.db.prepare("SELECT id FROM images WHERE rel_path = 'red/img-3.png'").get() as { id: number };
    expect(labels.get(redImage.id)).toBe('red');
  });

  it('clusters the real features so that each group of look-alike images is one cluster (NMI = 1)', async () => {
    const service = createService(project, runner);
    const started = (await service.dispatch('clusters.start', { k: 3, seed: 7 })) as { run: { id: number }; job: { id: number } };
    const job = await runner.waitFor(started.job.id);
    expect(job.state).toBe('done');
    expect(job.done).toBe(job.total);

    const runs = new ClusterStore(project.db);
    const run = runs.get(started.run.id);
    expect(run).toMatchObject({ state: 'done', k: 3, images: IMAGES, method: 'lloyd', parameters: { seed: 7, restarts: 3, iterations: 30 } });
    // Centroids on disk: k × D float32 (D = 64 for the tiny ViT).
    expect(statSync(join(project.root, run.centroidFile as string)).size).toBe(3 * 64 * 4);

    const assignments = project.db.prepare('SELECT cluster, distance FROM cluster_assignments WHERE run_id = ?').all(run.id) as { cluster: number; distance: number }[];
    expect(assignments).toHaveLength(IMAGES);
    for (const { distance } of assignments) expect(distance).toBeGreaterThanOrEqual(0);
    expect(assignments.reduce((sum, row) => sum + row.distance, 0)).toBeCloseTo(run.inertia as number, 4);

    const scores = (await service.dispatch('clusters.score', { runId: run.id, labellingId: folderLabels.labelling.id })) as ClusterScores;
    expect(scores).toMatchObject({ images: IMAGES, nmi: 1, ami: 1, ari: 1, purity: 1 });
    expect(scores.clusters.map((cluster) => [cluster.size, cluster.majorityCount])).toEqual([[5, 5], [5, 5], [5, 5]]);
    expect(new Set(scores.clusters.map((cluster) => cluster.majorityLabel))).toEqual(new Set(Object.keys(GROUPS)));
  });

  it('keeps runs side by side, pages a cluster by distance to its centroid, and scores as clusteringScores does', async () => {
    const service = createService(project, runner);
    const started = (await service.dispatch('clusters.start', { k: 2, seed: 1, restarts: 1, iterations: 5 })) as { run: { id: number }; job: { id: number } };
    expect((await runner.waitFor(started.job.id)).state).toBe('done');
    const runs = (await service.dispatch('clusters.runs', {})) as { id: number; k: number; state: string }[];
    expect(runs.map((run) => [run.k, run.state])).toEqual([[3, 'done'], [2, 'done']]);
    const counts = project.db.prepare('SELECT run_id, count(*) AS n FROM cluster_assignments GROUP BY run_id ORDER BY run_id').all() as { n: number }[];
    expect(counts.map((row) => row.n)).toEqual([IMAGES, IMAGES]);

    const summary = (await service.dispatch('clusters.summary', { runId: started.run.id })) as { clusters: { name: string; size: number }[] };
    expect(summary.clusters.map((cluster) => cluster.name)).toEqual(['cluster 0', 'cluster 1']);
    expect(summary.clusters.reduce((sum, cluster) => sum + cluster.size, 0)).toBe(IMAGES);
    const big = summary.clusters[0]!.size >= summary.clusters[1]!.size ? 0 : 1;
    const page = (await service.dispatch('clusters.images', { runId: started.run.id, clusterId: big, offset: 1, limit: 3 })) as {
      total: number;
      items: { distance: number }[];
    };
    expect(page.total).toBe(summary.clusters[big]!.size);
    expect(page.items).toHaveLength(3);
    const distances = page.items.map((item) => item.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));

    // The same arrays through clusteringScores directly.
    const rows = project.db
      .prepare('SELECT a.cluster, l.label FROM cluster_assignments a JOIN image_labels l ON l.image_id = a.image_id AND l.labelling_id = ? WHERE a.run_id = ? ORDER BY a.image_id')
      .all(folderLabels.labelling.id, started.run.id) as { cluster: number; label: string }[];
    const expected = clusteringScores(rows.map((row) => row.label), rows.map((row) => row.cluster));
    const scores = (await service.dispatch('clusters.score', { runId: started.run.id, labellingId: folderLabels.labelling.id })) as ClusterScores;
    expect({ nmi: scores.nmi, ami: scores.ami, ari: scores.ari, purity: scores.purity }).toEqual(expected);
    expect(scores.nmi).toBeLessThan(1); // two clusters cannot hold three groups
  });

  it('keeps a renamed cluster\'s name when the run is recomputed', async () => {
    const service = createService(project, runner);
    const runId = (new ClusterStore(project.db).list()[0] as { id: number }).id;
    await service.dispatch('clusters.rename', { runId, clusterId: 1, name: 'reddish' });
    await runClustering(inlineContext(project, { runId }));
    const clusters = effectiveClusters(project.db, runId);
    expect(clusters[1]).toMatchObject({ name: 'reddish', renamed: true, size: PER_GROUP });
    expect(clusters[0]).toMatchObject({ name: 'cluster 0', renamed: false });
  });

  it("names a diffusion model's clusters as people renamed them in its clustering run, else as its model.json does", () => {
    const runId = (new ClusterStore(project.db).list()[0] as { id: number }).id; // cluster 1 renamed "reddish" above
    const model = { vectorDim: 3, names: ['first', 'second', 'third'], clusterRunId: runId } as DiffusionModelInfo;
    expect(modelClusterNames(project, model)).toEqual(['first', 'reddish', 'third']);
    expect(modelClusterNames(project, { ...model, clusterRunId: null })).toEqual(['first', 'second', 'third']);
    expect(modelClusterNames(project, { ...model, clusterRunId: 999 })).toEqual(['first', 'second', 'third']); // run deleted since
  });

  it('imports a CSV by relative path or unique file name and reports the rows it cannot match', async () => {
    const csv = join(root, 'truth.csv');
    writeFileSync(csv, ['file,label', 'red/img-0.png,warm', '"green/img-1.png",cool', 'img-2.png,ambiguous', 'nowhere.png,lost', `${join(photos, 'blue', 'img-4.png')},cool`, ''].join('\r\n'));
    const service = createService(project, runner);
    const result = (await service.dispatch('labels.import', { csvPath: csv, name: 'temperature' })) as LabelImport;
    expect(result.labelling).toMatchObject({ name: 'temperature', images: 3, labels: 2 });
    expect(result.matched).toBe(3);
    expect(result.unmatched).toEqual([
      { line: 4, file: 'img-2.png', reason: '3 images have this file name' },
      { line: 5, file: 'nowhere.png', reason: 'no image with this path or file name' },
    ]);
    await expect(service.dispatch('labels.import', { csvPath: csv, fromFolders: true })).rejects.toMatchObject({ code: 'bad_request' });
    writeFileSync(join(root, 'bad.csv'), 'name,class\na.png,1\n');
    await expect(service.dispatch('labels.import', { csvPath: join(root, 'bad.csv') })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(service.dispatch('clusters.summary', { runId: 999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stops when cancelled, leaving the run pending without assignments', async () => {
    const run = new ClusterStore(project.db).create('vit-tiny', 3, { seed: 0, restarts: 2, iterations: 30 });
    // Reports: "reading features", then the first restart's first update; the second restart's update throws.
    await runClustering(inlineContext(project, { runId: run.id }, 2));
    expect(new ClusterStore(project.db).get(run.id).state).toBe('pending');
    expect(effectiveClusters(project.db, run.id).map((cluster) => cluster.size)).toEqual([0, 0, 0]);
    expect(existsSync(join(project.root, 'labels', `clusters-${run.id}.f32`))).toBe(false);
    await expect(createService(project, runner).dispatch('clusters.score', { runId: run.id, labellingId: folderLabels.labelling.id })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('clusters from the CLI, printing sizes and scores as JSON, with usage errors exiting 2', () => {
    const csv = join(root, 'groups.csv');
    writeFileSync(csv, `path,label\n${Object.keys(GROUPS).flatMap((group) => Array.from({ length: PER_GROUP }, (_, i) => `${group}/img-${i}.png,${group}`)).join('\n')}\n`);
    const result = selfguideJson<{ job: { state: string }; run: { k: number }; clusters: { size: number }[]; scores: ClusterScores; imported: LabelImport }>([
      'cluster', '--project', projectDir, '--k', '3', '--seed', '3', '--labels', csv,
    ]);
    expect(result.code).toBe(0);
    expect(result.json.job.state).toBe('done');
    expect(result.json.imported.matched).toBe(IMAGES);
    expect(result.json.clusters.map((cluster) => cluster.size)).toEqual([5, 5, 5]);
    expect(result.json.scores).toMatchObject({ nmi: 1, ari: 1, purity: 1 });

    const human = selfguide(['labels', 'import', '--from-folders', '--name', 'dirs', '--project', projectDir]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Imported "dirs"`);
    expect(selfguide(['cluster', '--project', projectDir]).code).toBe(2);
    expect(selfguide(['cluster', '--project', projectDir, '--k', '0']).code).toBe(2);
    expect(selfguide(['labels', 'import', '--project', projectDir]).code).toBe(2);
    expect(selfguide(['labels', 'import', join(root, 'missing.csv'), '--project', projectDir]).code).toBe(1);
    expect(selfguide(['cluster', '--k', '3', '--project', join(root, 'not-a-project')]).code).toBe(3);
    expect(readFileSync(csv, 'utf8')).toContain('red/img-0.png,red');
  });
});
