// Segment-map PNGs for the renderer, looked up by (run, image id) in the store: only maps of registered,
// ok images are served, and no path is ever taken from the request.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Asset } from '../library/assets.ts';
import type { Project } from '../project/project.ts';
import { MaskStore } from './mask-store.ts';

export async function readMaskAsset(project: Project, runId: number, imageId: number): Promise<Asset | null> {
  if (!Number.isInteger(runId) || runId <= 0 || !Number.isInteger(imageId) || imageId <= 0) return null;
  const file = new MaskStore(project.db).storedFile(runId, imageId);
  if (!file) return null;
  const data = await readFile(join(project.root, file)).catch(() => null);
  return data ? { mime: 'image/png', data } : null;
}

/** "<run>/<image>" (the tail of a mask URL) as numbers; NaN where malformed, which readMaskAsset refuses. */
export function parseMaskPath(tail: string): { runId: number; imageId: number } {
  const [run, image, ...rest] = tail.split('/');
  if (rest.length > 0 || !run || !image) return { runId: Number.NaN, imageId: Number.NaN };
  return { runId: Number(run), imageId: Number(image) };
}
