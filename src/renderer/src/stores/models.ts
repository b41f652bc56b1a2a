// Registered feature extractors, the downloadable ones, and the execution provider in use. Refreshes
// when a features or download job finishes (feature counts and the registry change then).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AvailableModel, ModelInfo, ProviderReport } from '../../../shared/models.ts';
import type { Job } from '../../../shared/schemas.ts';
import { client } from '../api/client.ts';
import { attempt as attemptCall } from '../lib/attempt.ts';
import { jobEnded } from '../lib/job-ended.ts';
import { useJobsStore } from './jobs.ts';

const MODEL_JOBS = new Set(['features', 'model-download']);

export const useModelsStore = defineStore('models', () => {
  const models = ref<ModelInfo[]>([]);
  const available = ref<AvailableModel[]>([]);
  const provider = ref<ProviderReport | null>(null);
  const probing = ref(false);
  const error = ref<string | null>(null);
  const jobs = useJobsStore();
  let unsubscribe: (() => void) | null = null;

  const attempt = <T>(work: () => Promise<T>) => attemptCall(error, work);

  async function load() {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type === 'job' && MODEL_JOBS.has(event.job.kind) && jobEnded(event.job)) void load();
    });
    await attempt(async () => {
      [models.value, available.value] = await Promise.all([client.call('models.list', {}), client.call('models.available', {})]);
    });
  }

  async function probe() {
    probing.value = true;
    provider.value = (await attempt(() => client.call('models.probe', {}))) ?? provider.value;
    probing.value = false;
  }

  async function importModel(path: string, id: string | null): Promise<boolean> {
    const model = await attempt(() => client.call('models.import', { path, id }));
    if (model) await load();
    return model !== null;
  }

  async function setActive(id: string) {
    if (await attempt(() => client.call('models.setActive', { id }))) await load();
  }

  const started = (job: Job | null) => {
    if (job) jobs.apply(job);
  };

  return {
    models,
    available,
    provider,
    probing,
    error,
    load,
    probe,
    importModel,
    setActive,
    download: async (id: string) => started(await attempt(() => client.call('models.download', { id }))),
    extract: async (modelId: string, fastDecode = false) =>
      started(await attempt(() => client.call('features.start', { modelId, decode: fastDecode ? 'fast' : 'exact' }))),
  };
});
