// A project over a folder of images with cls features of the tiny ViT fixture, made through the real
// scan and features jobs.
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { writeColourGroups } from './colour-groups.ts';
import { TINY_VIT } from './models.ts';
import { scanFolders } from './scan.ts';
import { tempDir } from './temp.ts';

/** A project over the folder with cls features of the tiny ViT fixture, and its job runner. */
export async function projectWithFeatures(projectDir: string, photos: string): Promise<{ project: Project; runner: JobRunner }> {
  const project = createProject(projectDir);
  await scanFolders(project, [photos]);
  const model = await importModel(project, { file: TINY_VIT });
  const runner = new JobRunner(project);
  const features = await runner.waitFor(runner.submit('features', { modelId: model.id, batchSize: 8 }).id);
  if (features.state !== 'done') throw new Error(`features job ended ${features.state}: ${features.error}`);
  return { project, runner };
}

export interface ColourGroupsFixture {
  root: string;
  project: Project;
  runner: JobRunner;
  modelId: string;
}

/**
 * For a describe block: the colour groups (`perGroup` images each) in a project with cls features of the
 * tiny ViT, made before its tests (the fields are set then) and closed after them.
 */
export function colourGroupsWithFeatures(perGroup: number): ColourGroupsFixture {
  const fixture = { root: tempDir() } as ColourGroupsFixture;
  beforeAll(async () => {
    await writeColourGroups(join(fixture.root, 'photos'), perGroup);
    Object.assign(fixture, await projectWithFeatures(join(fixture.root, 'project'), join(fixture.root, 'photos')));
    fixture.modelId = (fixture.project.db.prepare('SELECT id FROM models').get() as { id: string }).id;
  });
  afterAll(async () => {
    await fixture.runner.stop();
    fixture.project.close();
  });
  return fixture;
}
