// Reads stored features back for a list of images (clustering, LOST, masks use this). Rows are read
// straight from the .f16 file; nothing is kept in memory between calls.
import type { FeatureKind } from '../../shared/models.ts';
import type { Project } from '../project/project.ts';
import { FeatureIndex } from './feature-index.ts';
import { featureFilePath, readRows, storedRows } from './feature-files.ts';
import { fitsFloat16 } from './float16.ts';

export interface FeatureMatrix {
  /** Shape of one image's features, e.g. [384] for cls or [196, 384] for patches. */
  shape: number[];
  /** imageIds.length × prod(shape) float32 values, row i for imageIds[i]; zeros where missing. */
  data: Float32Array;
  /** Whether imageIds[i] has features computed from its current content. */
  found: boolean[];
  /**
   * Images whose stored row held values that are not finite numbers, or lies past the end of the file
   * (truncated or partly written): not found, and left for the features job to extract again.
   */
  damaged: number[];
}

export function readFeatures(project: Project, modelId: string, imageIds: readonly number[], kind: FeatureKind = 'cls'): FeatureMatrix {
  const index = new FeatureIndex(project.db, modelId);
  const shape = index.shape(kind);
  if (!shape) throw new Error(`No ${kind} features stored for model "${modelId}". Run: selfguide features --model ${modelId}`);
  const rowFloats = shape.reduce((a, b) => a * b, 1);
  const rowOf = index.rows(kind, imageIds);
  const path = featureFilePath(project, modelId, kind);
  const inFile = storedRows(path, rowFloats);
  const pastEnd = new Set(imageIds.filter((id) => (rowOf.get(id) ?? -1) >= inFile));
  const present = imageIds.filter((id) => rowOf.has(id) && !pastEnd.has(id));
  // Read in file order (sequential I/O), then place each row where the caller wants it.
  const order = [...present].sort((a, b) => (rowOf.get(a) as number) - (rowOf.get(b) as number));
  const rows = readRows(path, rowFloats, order.map((id) => rowOf.get(id) as number));
  const position = new Map(order.map((id, i) => [id, i]));
  const data = new Float32Array(imageIds.length * rowFloats);
  const damaged: number[] = [];
  const found = imageIds.map((id, i) => {
    const at = position.get(id);
    if (at === undefined) {
      if (pastEnd.has(id)) damaged.push(id);
      return false;
    }
    if (!fitsFloat16(rows, at * rowFloats, (at + 1) * rowFloats)) {
      damaged.push(id);
      return false;
    }
    data.set(rows.subarray(at * rowFloats, (at + 1) * rowFloats), i * rowFloats);
    return true;
  });
  // A row of NaN or ±∞ (stored before the features job checked its outputs, or damaged on disk) would
  // make k-means fail far from the cause, and a row past the end of a truncated file cannot be read at
  // all: either counts as missing, and leaves the index, so that the next features job extracts the
  // image again.
  if (damaged.length > 0) index.forget(kind, damaged);
  return { shape, data, found, damaged };
}
