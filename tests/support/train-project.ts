// A small scanned project to train on: `count` distinct 20×16 images and, when asked, a finished
// clustering run over them (cluster = index mod k) recorded through the store as the cluster job would.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterStore } from '../../src/core/labels/cluster-store.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { pixels } from './images.ts';
import { scanFolders } from './scan.ts';

export async function writeTrainingImages(folder: string, count: number): Promise<string[]> {
  mkdirSync(folder, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `img-${String(i).padStart(3, '0')}.png`);
  await Promise.all(names.map((name, i) => pixels(20, 16, i + 1).png().toFile(join(folder, name))));
  return names;
}

export async function trainingProject(root: string, count: number): Promise<Project> {
  await writeTrainingImages(join(root, 'photos'), count);
  const project = createProject(join(root, 'project'));
  await scanFolders(project, [join(root, 'photos')]);
  return project;
}

/** A done clustering run of the project's ok images: image i (in id order) in cluster i mod k. */
export function fixtureClusterRun(project: Project, k: number): number {
  project.db.prepare("INSERT OR IGNORE INTO models (id, file, sha256, bytes, metadata) VALUES ('fixture-encoder', 'none.onnx', '0', 0, '{}')").run();
  const store = new ClusterStore(project.db);
  const run = store.create('fixture-encoder', k, { seed: 0, restarts: 1, iterations: 1 });
  const imageIds = (project.db.prepare("SELECT id FROM images WHERE status = 'ok' ORDER BY id").all() as { id: number }[]).map((row) => row.id);
  store.saveResult(run.id, {
    imageIds,
    assignment: Int32Array.from(imageIds, (_, i) => i % k),
    distance: new Float32Array(imageIds.length),
    inertia: 0,
    method: 'lloyd',
    centroidFile: 'labels/none.f32',
  });
  return run.id;
}
