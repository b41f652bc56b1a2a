// A person's decision on one image's box, checked against the image and the run before it is stored.
import type { ImageBox } from '../../shared/boxes.ts';
import type { Database } from '../store/database.ts';
import { BoxStore, type DecisionPatch } from './box-store.ts';
import { effectiveClusters } from './effective-clusters.ts';

export class BoxNotFoundError extends Error {
  override name = 'BoxNotFoundError';
}

export function imageBox(db: Database, runId: number, imageId: number): ImageBox {
  const found = new BoxStore(db).image(runId, imageId);
  if (!found) throw new BoxNotFoundError(`Box run #${runId} has no result for image #${imageId} (not computed yet, or not in the project).`);
  return found;
}

export function decideBox(db: Database, runId: number, imageId: number, patch: DecisionPatch, clear = false): ImageBox {
  const store = new BoxStore(db);
  const current = imageBox(db, runId, imageId);
  if (clear) {
    store.clearDecision(runId, imageId);
    return imageBox(db, runId, imageId);
  }
  if (patch.box) {
    const [, , x1, y1] = patch.box;
    if (x1 > current.width || y1 > current.height) {
      throw new RangeError(`The box [${patch.box.join(', ')}] leaves the ${current.width}×${current.height} image #${imageId}.`);
    }
  }
  if (patch.cluster !== undefined && patch.cluster !== null) {
    const clusterRunId = store.get(runId).clusterRunId;
    if (clusterRunId === null) throw new RangeError(`Box run #${runId} has no clustering run, so its boxes cannot be given a cluster.`);
    // any cluster a person can see: the computed ones and those made by splits, but not one merged away
    const live = effectiveClusters(db, clusterRunId).filter((cluster) => cluster.mergedInto === null).map((cluster) => cluster.id);
    if (!live.includes(patch.cluster)) throw new RangeError(`Clustering run #${clusterRunId} has no cluster ${patch.cluster} to give a box (its clusters: ${live.join(', ')}).`);
  }
  store.decide(runId, imageId, patch);
  return imageBox(db, runId, imageId);
}
