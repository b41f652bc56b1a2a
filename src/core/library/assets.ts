// Image bytes for the renderer, looked up by image id only: a path that is not registered in the
// project can never be read through here.
import { readFile } from 'node:fs/promises';
import type { AssetKind } from '../../shared/api.ts';
import { decodeImage } from '../ingest/decode.ts';
import { thumbnailPath } from '../ingest/thumbnails.ts';
import type { Project } from '../project/project.ts';
import { registeredImageFile } from './queries.ts';

export interface Asset {
  mime: string;
  data: Buffer;
}

/** A registered image whose asset cannot be served, with what to do about it (a 404 with this text). */
export interface AssetMissing {
  missing: string;
}

const PREVIEW_SIZE = 2048;

/** null: no such image in this project. */
export async function readAsset(project: Project, kind: AssetKind, imageId: number): Promise<Asset | AssetMissing | null> {
  const image = registeredImageFile(project.db, imageId);
  if (!image || image.status !== 'ok' || !image.sha256) return null;
  if (kind === 'thumb') {
    // thumbs/ is a cache: deleted, or left out of a copy of the project, a rescan rebuilds it.
    const data = await readFile(thumbnailPath(project.thumbsDir, image.sha256)).catch(() => null);
    if (data) return { mime: 'image/jpeg', data };
    return { missing: `the thumbnail of image ${imageId} is missing from ${project.thumbsDir}; rescan the library (Rescan, or selfguide scan) to rebuild it` };
  }
  // Previews are re-encoded so every format (TIFF, HEIC, BMP) shows in any browser, upright.
  const bytes = await readFile(image.path).catch(() => null);
  if (!bytes) return null;
  const decoded = await decodeImage(bytes, { maxPixels: project.settings.get('maxPixels'), thumbnailSize: PREVIEW_SIZE }).catch(() => null);
  if (!decoded) return null;
  return { mime: 'image/jpeg', data: decoded.thumbnail };
}

