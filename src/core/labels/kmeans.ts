// Euclidean k-means as SPEC §2 asks: k-means++ (or random) init from a seed, several restarts keeping
// the lowest inertia, Lloyd iterations with empty-cluster re-seeding, training on a sample of at most
// `maxPointsPerCentroid`·k points when N is large (faiss's behaviour), mini-batches when even the
// training set is large, and finally every point assigned to its nearest centroid.
import { nearestCentroids, type NearestCentroids } from './distance-step.ts';
import { initialCentroids, type InitMethod } from './kmeans-init.ts';
import { lloyd, sumOf } from './lloyd.ts';
import { gatherRows, type Matrix } from './matrix.ts';
import { miniBatchKMeans } from './minibatch-kmeans.ts';
import { sampleWithoutReplacement, seededRng, type Rng } from './rng.ts';

export interface KMeansOptions {
  k: number;
  /** Lloyd iterations (30, SPEC §2); for mini-batch k-means see `miniBatchEpochs` */
  iterations?: number;
  /** an init method, or the initial centroids themselves (then there is one run) */
  init?: InitMethod | Matrix;
  restarts?: number;
  seed?: number;
  /** faiss's max_points_per_centroid: train on a random sample of this many points per centroid */
  maxPointsPerCentroid?: number;
  /** training sets larger than this use mini-batch k-means */
  miniBatchAbove?: number;
  batchSize?: number;
  miniBatchEpochs?: number;
  /** called after each centroid update; throw from it to cancel */
  onProgress?: (progress: { restart: number; step: number }) => void;
}

export interface KMeansResult {
  centroids: Matrix;
  /** nearest centroid of every input row */
  assignment: Int32Array;
  /** squared Euclidean distance of every row to its centroid */
  distance: Float32Array;
  /** Σ distance over all rows */
  inertia: number;
  method: 'lloyd' | 'mini-batch';
  /** rows the centroids were fitted on (all rows unless sampled) */
  trainedOn: number;
  /** which restart won, its updates and its re-seeded empty clusters */
  bestRestart: number;
  iterations: number;
  reseeded: number;
}

export const KMEANS_DEFAULTS = {
  iterations: 30,
  init: 'k-means++' as InitMethod,
  restarts: 3,
  seed: 0,
  maxPointsPerCentroid: 256,
  miniBatchAbove: 200_000,
  batchSize: 8192,
  miniBatchEpochs: 3,
};

type Settings = Omit<Required<KMeansOptions>, 'onProgress'> & Pick<KMeansOptions, 'onProgress'>;

/** One restart's centroids, with the nearest centroid of every training row. */
interface Fit extends NearestCentroids {
  centroids: Matrix;
  inertia: number;
  iterations: number;
  reseeded: number;
}

function trainingSet(x: Matrix, k: number, maxPerCentroid: number, rng: Rng): Matrix {
  const limit = maxPerCentroid * k;
  if (x.rows <= limit) return x;
  // Sorted so the sample is read in memory order.
  return gatherRows(x, sampleWithoutReplacement(rng, x.rows, limit).sort());
}

async function fitOnce(train: Matrix, options: Settings, restart: number, rng: Rng): Promise<Fit> {
  const report = (step: number) => options.onProgress?.({ restart, step });
  const miniBatch = train.rows > options.miniBatchAbove;
  // k-means++ over millions of rows costs k full passes; seed mini-batch runs on a smaller sample (as scikit-learn's init_size).
  const seedFrom = miniBatch ? gatherRows(train, sampleWithoutReplacement(rng, train.rows, Math.max(3 * options.batchSize, options.k))) : train;
  const init = typeof options.init === 'string' ? await initialCentroids(seedFrom, options.k, options.init, rng) : options.init;
  if (!miniBatch) return lloyd(train, init, options.iterations, report);
  const fit = await miniBatchKMeans(train, init, { batchSize: options.batchSize, epochs: options.miniBatchEpochs, onStep: report }, rng);
  const nearest = await nearestCentroids(train, fit.centroids);
  return { ...nearest, centroids: fit.centroids, inertia: sumOf(nearest.distance), iterations: fit.steps, reseeded: fit.reseeded };
}

export async function kmeans(x: Matrix, options: KMeansOptions): Promise<KMeansResult> {
  const settings: Settings = { ...KMEANS_DEFAULTS, ...options };
  const { k } = settings;
  if (!Number.isInteger(k) || k < 1 || k > x.rows) throw new RangeError(`k must be an integer in [1, ${x.rows}], got ${k}`);
  if (typeof settings.init !== 'string' && (settings.init.rows !== k || settings.init.cols !== x.cols)) {
    throw new RangeError(`initial centroids must be ${k}×${x.cols}`);
  }
  const rng = seededRng(settings.seed);
  const train = trainingSet(x, k, settings.maxPointsPerCentroid, rng);
  const restarts = typeof settings.init === 'string' ? Math.max(1, settings.restarts) : 1;
  let best: Fit | undefined;
  let bestRestart = 0;
  for (let restart = 0; restart < restarts; restart++) {
    const fit = await fitOnce(train, settings, restart, rng);
    if (!best || fit.inertia < best.inertia) [best, bestRestart] = [fit, restart];
  }
  const winner = best as Fit;
  const method = train.rows > settings.miniBatchAbove ? 'mini-batch' : 'lloyd';
  // A fit on all rows already has the final assignment; a fit on a sample assigns every row now.
  const all = train === x ? winner : await nearestCentroids(x, winner.centroids);
  return {
    centroids: winner.centroids,
    assignment: all.assignment,
    distance: all.distance,
    inertia: sumOf(all.distance),
    method,
    trainedOn: train.rows,
    bestRestart,
    iterations: winner.iterations,
    reseeded: winner.reseeded,
  };
}
