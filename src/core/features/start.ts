// Starts a features job for a model (the active one by default), resuming an unfinished job of the
// same model instead of queueing a second one.
import type { Job } from '../../shared/schemas.ts';
import type { DecodeMode, FeatureKind } from '../../shared/models.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { JobStore } from '../jobs/job-store.ts';
import type { Project } from '../project/project.ts';
import { ModelRegistry } from '../models/registry.ts';
import { FeaturesSpec } from './extract-job.ts';

export interface FeaturesRequest {
  modelId?: string | null;
  batchSize?: number;
  withPatches?: boolean;
  withKeys?: boolean;
  decode?: DecodeMode;
}

export function startFeatures(project: Project, runner: JobRunner, request: FeaturesRequest): Job {
  const model = new ModelRegistry(project).resolve(request.modelId);
  const extraKinds: FeatureKind[] = [...(request.withPatches ? ['patches' as const] : []), ...(request.withKeys ? ['keys' as const] : [])];
  const spec: FeaturesSpec = { modelId: model.id, batchSize: request.batchSize ?? 16, extraKinds, decode: request.decode ?? 'exact' };
  const store = new JobStore(project.db);
  store.recoverOrphans();
  const unfinished = store.list().find((job) => {
    if (job.kind !== 'features' || !['interrupted', 'cancelled'].includes(job.state)) return false;
    // Through the schema's defaults, so a job recorded before a field existed still matches.
    return JSON.stringify(FeaturesSpec.parse(store.spec(job.id).spec)) === JSON.stringify(FeaturesSpec.parse(spec));
  });
  return unfinished ? runner.resume(unfinished.id) : runner.submit('features', spec);
}
