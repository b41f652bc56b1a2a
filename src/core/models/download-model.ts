// Downloads a model listed in the manifest and registers it through the same validation as an import.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelInfo } from '../../shared/models.ts';
import type { Project } from '../project/project.ts';
import { type DownloadOptions, downloadPinned } from './download.ts';
import { importModel } from './import-model.ts';
import { manifestEntry } from './manifest.ts';
import { ModelRegistry, modelsDir } from './registry.ts';

export class OfflineError extends Error {
  override name = 'OfflineError';
}

/** Returns the registered model, or null when cancelled (the partial download stays to be resumed). */
export async function downloadModel(project: Project, id: string, options: DownloadOptions = {}): Promise<ModelInfo | null> {
  if (project.settings.get('offline')) {
    throw new OfflineError(`Offline mode is on: "${id}" was not downloaded. Turn it off (selfguide models offline off) or import the file.`);
  }
  const entry = manifestEntry(project, id);
  const registry = new ModelRegistry(project);
  const registered = registry.find(id);
  // Registered with its file in place: nothing to fetch (a missing file is downloaded again below).
  if (registered?.sha256 === entry.sha256 && existsSync(registry.filePath(id))) return registered;
  const dir = modelsDir(project);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `.download-${id}.onnx`);
  const sidecar = entry.sidecar === undefined ? null : join(dir, `.download-${id}.json`);
  if (!(await downloadPinned(entry, file, options))) return null;
  try {
    if (sidecar) writeFileSync(sidecar, JSON.stringify(entry.sidecar));
    return await importModel(project, { file, sidecar, id, source: entry.url, move: true });
  } finally {
    await rm(file, { force: true });
    if (sidecar) await rm(sidecar, { force: true });
  }
}
