// One image's segment map for the review UI: its size and legend (the PNG is served by id, see mask-asset.ts).
import type { ImageMask } from '../../shared/masks.ts';
import type { Database } from '../store/database.ts';
import { MaskStore } from './mask-store.ts';

export class MaskNotFoundError extends Error {
  override name = 'MaskNotFoundError';
}

export function imageMask(db: Database, runId: number, imageId: number): ImageMask {
  const found = new MaskStore(db).image(runId, imageId);
  if (!found) throw new MaskNotFoundError(`Mask run #${runId} has no map for image #${imageId} (not computed yet, or not in the project).`);
  return found;
}
