// Pinned downloads: each entry is an exact file (url, size, sha256). The built-in list ships with the
// app; a project may add entries from a JSON file (setting modelManifest), e.g. a mirror on its network.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type AvailableModel, ManifestEntry } from '../../shared/models.ts';
import type { Project } from '../project/project.ts';
import { ModelNotFoundError, ModelRegistry } from './registry.ts';

/**
 * Files published with a release. Empty until a release hosts encoder files: DINO's official weights
 * are PyTorch checkpoints, which `python -m selfguide_trainer export-vit` turns into ONNX locally.
 */
export const BUILT_IN_MANIFEST: readonly ManifestEntry[] = [];

const ManifestFile = z.object({ models: z.array(ManifestEntry) });

export function loadManifest(project: Project): ManifestEntry[] {
  const extra = project.settings.get('modelManifest');
  if (!extra) return [...BUILT_IN_MANIFEST];
  let parsed: z.infer<typeof ManifestFile>;
  try {
    parsed = ManifestFile.parse(JSON.parse(readFileSync(extra, 'utf8')));
  } catch (error) {
    throw new Error(`The model manifest ${extra} is unreadable: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ids = new Set(parsed.models.map((entry) => entry.id));
  return [...BUILT_IN_MANIFEST.filter((entry) => !ids.has(entry.id)), ...parsed.models];
}

export function manifestEntry(project: Project, id: string): ManifestEntry {
  const entry = loadManifest(project).find((candidate) => candidate.id === id);
  if (!entry) throw new ModelNotFoundError(`No downloadable model "${id}" in the manifest.`);
  return entry;
}

/** The manifest's models, marked when a file with the pinned hash is registered. */
export function availableModels(project: Project): AvailableModel[] {
  const registered = new Set(new ModelRegistry(project).list().map((model) => `${model.id}:${model.sha256}`));
  return loadManifest(project).map((entry) => ({
    id: entry.id,
    url: entry.url,
    bytes: entry.bytes,
    description: entry.description,
    license: entry.license,
    registered: registered.has(`${entry.id}:${entry.sha256}`),
  }));
}
