// The 'model-download' job: a manifest download with progress in bytes, cancellable and resumable.
import type { JobContext } from '../jobs/job-context.ts';
import { downloadModel } from './download-model.ts';

export interface ModelDownloadSpec {
  id: string;
}

export async function runModelDownload(context: JobContext): Promise<void> {
  const { id } = context.spec as ModelDownloadSpec;
  context.progress({ phase: 'downloading', message: `model ${id}` });
  const model = await downloadModel(context.project, id, {
    onProgress: (received, total) => context.progress({ done: received, total }),
    isCancelled: () => context.isCancelled(),
  });
  context.progress({ phase: model ? 'registered' : 'cancelled', message: model ? `model ${id} registered` : `model ${id}: partial download kept` });
}
