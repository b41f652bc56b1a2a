// The back end behind the API contract: one function per method, over a project and its job runner.
// Transports call `dispatch`, which validates the input first and maps failures to API errors.
import { absolutePath, RelativePathError } from '../files/absolute-path.ts';
import type { z } from 'zod';
import { type ApiError, type Method, type Output, api } from '../../shared/api.ts';
import type { ClusterInfo, ClusterSummary } from '../../shared/clusters.ts';
import type { SegmentInfo } from '../../shared/masks.ts';
import { JobRunner, JobStateError } from '../jobs/job-runner.ts';
import { JobNotFoundError, JobStore } from '../jobs/job-store.ts';
import { FolderError, addFolder } from '../library/folders.ts';
import { getImage, libraryCounts, listFolders, listImages } from '../library/queries.ts';
import type { Project } from '../project/project.ts';
import { startFeatures } from '../features/start.ts';
import { BoxRunNotFoundError, BoxStore, DecisionsPresentError } from '../labels/box-store.ts';
import { BoxNotFoundError, decideBox, imageBox } from '../labels/box-review.ts';
import { ClusterDecisionError, ClusterDecisions } from '../labels/cluster-decisions.ts';
import { clusterMap, startClusterMap } from '../labels/cluster-map.ts';
import { ClusterRunNotFoundError, ClusterStore } from '../labels/cluster-store.ts';
import { effectiveClusters, effectiveMembers, effectiveMembersById, outlierCount } from '../labels/effective-clusters.ts';
import { splitCluster } from '../labels/split-cluster.ts';
import { imageMask, MaskNotFoundError } from '../labels/mask-review.ts';
import { MaskRunNotFoundError, MaskStore } from '../labels/mask-store.ts';
import { recomputeBoxes, startBoxes } from '../labels/start-boxes.ts';
import { recomputeMasks, startMasks } from '../labels/start-masks.ts';
import { importLabelsCsv, importLabelsFromFolders, LabelImportError } from '../labels/import-labels.ts';
import { LabellingNotFoundError, LabellingStore } from '../labels/labelling-store.ts';
import { RunNotDoneError, scoreRun } from '../labels/score-run.ts';
import { recomputeClustering, startClustering } from '../labels/start-clustering.ts';
import { importModel } from '../models/import-model.ts';
import { availableModels } from '../models/manifest.ts';
import { ModelError } from '../models/onnx-session.ts';
import { probeInWorker } from '../models/probe-in-worker.ts';
import { ModelNotFoundError, ModelRegistry } from '../models/registry.ts';
import { OfflineError } from '../models/download-model.ts';
import { generationErrorCode, generationHandlers } from '../sample/generation-api.ts';
import { trainErrorCode, trainHandlers } from '../train/train-api.ts';
import { evaluateErrorCode, evaluateHandlers } from '../evaluate/evaluate-api.ts';
import { exportErrorCode, exportHandlers } from '../export/export-api.ts';

type ParsedInput<M extends Method> = z.infer<(typeof api)[M]['input']>;
type Handlers = { [M in Method]: (input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

export class ApiFailure extends Error {
  readonly code: ApiError['code'];
  constructor(code: ApiError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface Service {
  readonly project: Project;
  readonly runner: JobRunner;
  dispatch(method: string, input: unknown): Promise<unknown>;
}

export function createService(project: Project, runner: JobRunner): Service {
  const jobs = new JobStore(project.db);
  const models = new ModelRegistry(project);
  const clusters = new ClusterStore(project.db);
  const decisions = new ClusterDecisions(project.db);
  const summary = (runId: number): ClusterSummary => ({
    run: clusters.get(runId),
    clusters: effectiveClusters(project.db, runId),
    outliers: outlierCount(project.db, runId),
    decisions: decisions.count(runId),
  });
  const boxes = new BoxStore(project.db);
  const masks = new MaskStore(project.db);
  let probe: ReturnType<typeof probeInWorker> | null = null;
  const handlers: Handlers = {
    ...generationHandlers(project, runner),
    ...trainHandlers(project, runner),
    ...evaluateHandlers(project, runner),
    ...exportHandlers(project, runner),
    'project.info': () => ({
      path: project.root,
      name: project.name,
      schemaVersion: project.schemaVersion,
      counts: libraryCounts(project.db, null),
    }),
    'folders.list': () => listFolders(project.db),
    'folders.add': ({ path }) => runner.submit('scan', { folderIds: [addFolder(project.db, path).id] }),
    'library.rescan': () => runner.submit('scan', { folderIds: [] }),
    'library.counts': ({ folderId }) => libraryCounts(project.db, folderId),
    'images.list': ({ offset, limit, ...query }) => listImages(project.db, query, offset, limit),
    'images.get': ({ id }) => {
      const image = getImage(project.db, id);
      if (!image) throw new ApiFailure('not_found', `No image #${id} in this project.`);
      return image;
    },
    'jobs.list': () => jobs.list(),
    'jobs.cancel': ({ id }) => runner.cancel(id),
    'jobs.resume': ({ id }) => runner.resume(id),
    'models.list': () => models.list(),
    'models.import': ({ path, sidecar, id }) => importModel(project, { file: absolutePath(path, 'model file'), sidecar: sidecar && absolutePath(sidecar, 'sidecar file'), id }),
    'models.available': () => availableModels(project),
    'models.download': ({ id }) => {
      if (project.settings.get('offline')) throw new OfflineError(`Offline mode is on: "${id}" was not downloaded.`);
      return runner.submit('model-download', { id });
    },
    'models.setActive': ({ id }) => models.setActive(id),
    'models.probe': () => {
      probe ??= probeInWorker().catch((error: unknown) => {
        probe = null;
        throw error;
      });
      return probe;
    },
    'features.start': (input) => startFeatures(project, runner, input),
    'clusters.runs': () => clusters.list(),
    'clusters.start': (input) => startClustering(project, runner, input),
    'clusters.summary': ({ runId }) => summary(runId),
    'clusters.images': ({ runId, clusterId, offset, limit }) => effectiveMembers(project.db, runId, clusterId, offset, limit),
    'clusters.rename': ({ runId, clusterId, name }) => {
      decisions.rename(runId, clusterId, name);
      return effectiveClusters(project.db, runId).find((cluster) => cluster.id === clusterId) as ClusterInfo;
    },
    'clusters.score': ({ runId, labellingId }) => scoreRun(project.db, runId, labellingId),
    'clusters.recompute': ({ runId, replace }) => recomputeClustering(project, runner, runId, replace),
    'clusters.merge': ({ runId, clusterIds, into }) => {
      decisions.merge(runId, clusterIds, into);
      return summary(runId);
    },
    'clusters.split': async ({ runId, clusterId, k }) => {
      await splitCluster(project, runId, clusterId, k);
      return summary(runId);
    },
    'clusters.move': ({ runId, imageIds, clusterId }) => {
      decisions.move(runId, imageIds, clusterId);
      return summary(runId);
    },
    'clusters.outlier': ({ runId, imageIds, outlier }) => {
      decisions.setOutlier(runId, imageIds, outlier);
      return summary(runId);
    },
    'clusters.members': ({ runId, imageIds }) => effectiveMembersById(project.db, runId, imageIds),
    'clusters.map': ({ runId, method }) => clusterMap(project, runId, method),
    'clusters.computeMap': ({ runId, method }) => startClusterMap(project, runner, runId, method),
    'labels.list': () => new LabellingStore(project.db).list(),
    'labels.import': ({ csvPath, fromFolders, name }) =>
      fromFolders ? importLabelsFromFolders(project, name ?? undefined) : importLabelsCsv(project, csvPath as string, name ?? undefined),
    'boxes.runs': () => boxes.list(),
    'boxes.start': (input) => startBoxes(project, runner, input),
    'boxes.recompute': ({ runId, replace }) => recomputeBoxes(project, runner, runId, replace),
    'boxes.list': ({ runId, filter, clusterId, offset, limit }) => boxes.page(runId, filter, clusterId, offset, limit),
    'boxes.get': ({ runId, imageId }) => imageBox(project.db, runId, imageId),
    'boxes.decide': ({ runId, imageId, status, box, clusterId, clear }) => decideBox(project.db, runId, imageId, { status, box, cluster: clusterId }, clear),
    'masks.runs': () => masks.list(),
    'masks.start': (input) => startMasks(project, runner, input),
    'masks.recompute': ({ runId, replace }) => recomputeMasks(project, runner, runId, replace),
    'masks.summary': ({ runId }) => ({ run: masks.get(runId), segments: masks.segments(runId) }),
    'masks.get': ({ runId, imageId }) => imageMask(project.db, runId, imageId),
    'masks.images': ({ runId, segment, offset, limit }) => masks.members(runId, segment, offset, limit),
    'masks.renameSegment': ({ runId, segment, name }) => {
      masks.rename(runId, segment, name);
      return masks.segments(runId)[segment] as SegmentInfo;
    },
  };

  return {
    project,
    runner,
    async dispatch(method, rawInput) {
      if (!Object.hasOwn(api, method)) throw new ApiFailure('not_found', `Unknown API method "${method}".`);
      const parsed = api[method as Method].input.safeParse(rawInput ?? {});
      if (!parsed.success) throw new ApiFailure('bad_request', `Invalid input for ${method}: ${parsed.error.message}`);
      try {
        return await (handlers[method as Method] as (input: unknown) => unknown)(parsed.data);
      } catch (error) {
        throw toFailure(error);
      }
    },
  };
}

function toFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  const generationCode = generationErrorCode(error);
  if (generationCode) return new ApiFailure(generationCode, (error as Error).message);
  const trainCode = trainErrorCode(error);
  if (trainCode) return new ApiFailure(trainCode, (error as Error).message);
  const evaluateCode = evaluateErrorCode(error);
  if (evaluateCode) return new ApiFailure(evaluateCode, (error as Error).message);
  const exportCode = exportErrorCode(error);
  if (exportCode) return new ApiFailure(exportCode, (error as Error).message);
  if (error instanceof JobNotFoundError) return new ApiFailure('not_found', error.message);
  if (error instanceof JobStateError || error instanceof RunNotDoneError || error instanceof DecisionsPresentError) return new ApiFailure('conflict', error.message);
  if (error instanceof BoxRunNotFoundError || error instanceof BoxNotFoundError || error instanceof MaskRunNotFoundError || error instanceof MaskNotFoundError) {
    return new ApiFailure('not_found', error.message);
  }
  if (error instanceof FolderError || error instanceof RelativePathError) return new ApiFailure('bad_request', error.message);
  if (error instanceof ClusterRunNotFoundError || error instanceof LabellingNotFoundError) return new ApiFailure('not_found', error.message);
  if (error instanceof LabelImportError || error instanceof ClusterDecisionError || error instanceof RangeError) return new ApiFailure('bad_request', error.message);
  if (error instanceof ModelNotFoundError) return new ApiFailure('not_found', error.message);
  if (error instanceof ModelError || error instanceof OfflineError) return new ApiFailure('bad_request', error.message);
  return new ApiFailure('internal', error instanceof Error ? error.message : String(error));
}
