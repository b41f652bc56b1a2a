// Messages between a JobRunner and the process running its job.
import type { ApiEvent } from '../../shared/api.ts';
import type { Job } from '../../shared/schemas.ts';

export type WorkerRequest = { type: 'cancel' };
export type WorkerMessage = { type: 'event'; event: ApiEvent } | { type: 'finished'; job: Job };
