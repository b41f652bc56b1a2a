// A project over a folder of images with cls features of the tiny ViT fixture, made through the real
// scan and features jobs.
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { importModel } from '../../src/core/models/import-model.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { TINY_VIT } from './models.ts';
import { scanFolders } from './scan.ts';

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
