// Image-level self-labels (SPEC §2): k-means on the L2-normalized `cls` features. Both the centroids
// and the assigned features are normalized; the official code assigns un-normalized features, a quirk
// the project does not copy (on the unit sphere the nearest centroid is the most cosine-similar one).
import { kmeans, type KMeansOptions, type KMeansResult } from './kmeans.ts';
import { l2NormalizeRows, type Matrix } from './matrix.ts';

export function clusterImages(cls: Matrix, options: KMeansOptions): Promise<KMeansResult> {
  return kmeans(l2NormalizeRows(cls), options);
}

/** The guidance signal: a hard one-hot of length k per image, row-major. */
export function oneHot(assignment: Int32Array, k: number): Float32Array {
  const out = new Float32Array(assignment.length * k);
  assignment.forEach((cluster, i) => (out[i * k + cluster] = 1));
  return out;
}
