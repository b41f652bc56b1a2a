// A real project with every kind of self-label, made through the API: planted-object images, the tiny
// ViT's features with patches, a k-means clustering run, a LOST box run classed by it, a mask run.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createService, type Service } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import type { BoxRun } from '../../src/shared/boxes.ts';
import type { ClusterRun } from '../../src/shared/clusters.ts';
import type { MaskRun } from '../../src/shared/masks.ts';
import type { Job } from '../../src/shared/schemas.ts';
import { TINY_VIT } from './models.ts';
import { type PlantedImage, writePlanted } from './planted-objects.ts';
import { scanFolders } from './scan.ts';

export interface LabelledProject {
  project: Project;
  runner: JobRunner;
  service: Service;
  clusterRun: ClusterRun;
  boxRun: BoxRun;
  maskRun: MaskRun;
}

/** Writes each folder's images under root/<folder>, and labels them all in root/project. */
export async function labelledProject(root: string, folders: Record<string, PlantedImage[]>): Promise<LabelledProject> {
  for (const [folder, images] of Object.entries(folders)) {
    mkdirSync(join(root, folder));
    for (const image of images) await writePlanted(image, join(root, folder, image.name));
  }
  const project = createProject(join(root, 'project'));
  await scanFolders(
    project,
    Object.keys(folders).map((folder) => join(root, folder)),
  );
  const model = await importModel(project, { file: TINY_VIT });
  const runner = new JobRunner(project);
  const service = createService(project, runner);
  const wait = async (started: { job: Job }) => expect((await runner.waitFor(started.job.id)).state).toBe('done');
  await wait({ job: (await service.dispatch('features.start', { modelId: model.id, withPatches: true })) as Job });
  const clustering = (await service.dispatch('clusters.start', { k: 2, seed: 3, restarts: 1 })) as { run: ClusterRun; job: Job };
  await wait(clustering);
  const boxing = (await service.dispatch('boxes.start', { clusterRunId: clustering.run.id })) as { run: BoxRun; job: Job };
  await wait(boxing);
  const masking = (await service.dispatch('masks.start', { k: 3, seed: 2 })) as { run: MaskRun; job: Job };
  await wait(masking);
  return { project, runner, service, clusterRun: clustering.run, boxRun: boxing.run, maskRun: masking.run };
}
