// Pixel-level self-labels as SPEC §4: one dataset-level k-means over L2-normalized patch tokens gives
// segment ids that mean the same thing in every image; an image's map is its patches' soft assignment
// (softmax of negative squared distances to the centroids), upsampled bilinearly to the image size
// (PyTorch's align_corners=False convention), then the most likely segment per pixel.
import { squaredDistances } from './distance-step.ts';
import { kmeans, type KMeansOptions, type KMeansResult } from './kmeans.ts';
import { l2NormalizeRows, type Matrix } from './matrix.ts';
import { MAX_SEGMENTS } from './segment-palette.ts';

export const DEFAULT_SEGMENTS = 27;

/** Dataset-level segments: k-means on the normalized patch tokens of (a sample of) all images. */
export function fitSegments(patchTokens: Matrix, options: Partial<KMeansOptions> = {}): Promise<KMeansResult> {
  const k = options.k ?? DEFAULT_SEGMENTS;
  if (k > MAX_SEGMENTS) throw new RangeError(`at most ${MAX_SEGMENTS} segments fit the palette and a byte, got ${k}`);
  return kmeans(l2NormalizeRows(patchTokens), { ...options, k });
}

export interface SegmentMapOptions {
  gridHeight: number;
  gridWidth: number;
  /** output size in pixels */
  width: number;
  height: number;
  /**
   * Set when the grid comes from a zero-padded full-resolution input: each patch covers this many
   * pixels and the image is the top-left part of the grid. Unset: the grid stretches over the image
   * (tokens of an image resized to the model's input size).
   */
  patchSize?: number;
  /** softmax temperature on squared distances (unit vectors: distances lie in [0, 4]) */
  temperature?: number;
}

/** Softmax over each row of negative squared distances / temperature, as row-major n×k. */
function softAssignment(distances: Float32Array, k: number, temperature: number): Float32Array {
  const probabilities = new Float32Array(distances.length);
  for (let row = 0; row < distances.length; row += k) {
    let nearest = Infinity;
    for (let c = 0; c < k; c++) nearest = Math.min(nearest, distances[row + c] as number);
    let total = 0;
    for (let c = 0; c < k; c++) total += probabilities[row + c] = Math.exp(((nearest - (distances[row + c] as number)) / temperature));
    for (let c = 0; c < k; c++) probabilities[row + c] = (probabilities[row + c] as number) / total;
  }
  return probabilities;
}

/** Source coordinate, lower index and weight of the upper one, for output index `i` (align_corners=False). */
function sourceAxis(outSize: number, inSize: number, scale: number): { low: Int32Array; high: Int32Array; weight: Float32Array } {
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const weight = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const source = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    low[i] = Math.floor(source);
    high[i] = Math.min(low[i]! + 1, inSize - 1);
    weight[i] = source - low[i]!;
  }
  return { low, high, weight };
}

/** Segment id per pixel (row-major, width×height) for one image's patch tokens (grid cells × d). */
export async function segmentMap(patchTokens: Matrix, centroids: Matrix, options: SegmentMapOptions): Promise<Uint8Array> {
  const { gridHeight: h, gridWidth: w, width, height, temperature = 0.1 } = options;
  if (patchTokens.rows !== h * w) throw new RangeError(`${patchTokens.rows} tokens do not fill a ${h}×${w} grid`);
  const k = centroids.rows;
  const probabilities = softAssignment(await squaredDistances(l2NormalizeRows(patchTokens), centroids), k, temperature);
  const xs = sourceAxis(width, w, options.patchSize ? 1 / options.patchSize : w / width);
  const ys = sourceAxis(height, h, options.patchSize ? 1 / options.patchSize : h / height);
  const map = new Uint8Array(width * height);
  const blendedRow = new Float32Array(w * k);
  for (let y = 0; y < height; y++) {
    // Blend the two grid rows once per output row, then the two columns per pixel.
    const [top, bottom, wy] = [ys.low[y]! * w * k, ys.high[y]! * w * k, ys.weight[y]!];
    for (let i = 0; i < w * k; i++) blendedRow[i] = (1 - wy) * probabilities[top + i]! + wy * probabilities[bottom + i]!;
    for (let x = 0; x < width; x++) {
      const [left, right, wx] = [xs.low[x]! * k, xs.high[x]! * k, xs.weight[x]!];
      let [best, bestProbability] = [0, -1];
      for (let c = 0; c < k; c++) {
        const probability = (1 - wx) * blendedRow[left + c]! + wx * blendedRow[right + c]!;
        if (probability > bestProbability) [best, bestProbability] = [c, probability];
      }
      map[y * width + x] = best;
    }
  }
  return map;
}

/** The K-dim multi-hot of the segments present in a map (SPEC §4's vector condition). */
export function segmentsPresent(map: Uint8Array, k: number): Uint8Array {
  const present = new Uint8Array(k);
  for (const id of map) present[id] = 1;
  return present;
}
