// Training: the Python environment, the runs, the selected run's curve/previews/log, and the sources a
// new run can train on. Follows 'train' job events (refetching at most once a second while one runs).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Input } from '../../../shared/api.ts';
import type { ClusterRun, Labelling } from '../../../shared/clusters.ts';
import type { BoxRun } from '../../../shared/boxes.ts';
import type { MaskRun } from '../../../shared/masks.ts';
import type { Job } from '../../../shared/schemas.ts';
import type { PythonEnvironment, TrainRun, TrainRunDetail } from '../../../shared/train.ts';
import { client } from '../api/client.ts';
import { attempt as attemptCall } from '../lib/attempt.ts';
import { throttle } from '../lib/throttle.ts';
import { useJobsStore } from './jobs.ts';

export interface TrainSources {
  clusterRuns: ClusterRun[];
  labellings: Labelling[];
  boxRuns: BoxRun[];
  maskRuns: MaskRun[];
}

export const useTrainStore = defineStore('train', () => {
  const environment = ref<PythonEnvironment | null>(null);
  const checking = ref(false);
  const runs = ref<TrainRun[]>([]);
  const selectedId = ref<number | null>(null);
  const detail = ref<TrainRunDetail | null>(null);
  const sources = ref<TrainSources>({ clusterRuns: [], labellings: [], boxRuns: [], maskRuns: [] });
  const error = ref<string | null>(null);
  const jobs = useJobsStore();
  let unsubscribe: (() => void) | null = null;

  const attempt = <T>(work: () => Promise<T>) => attemptCall(error, work);

  async function refresh() {
    const list = await attempt(() => client.call('train.runs', {}));
    if (list) runs.value = list;
    if (selectedId.value === null && list && list.length > 0) selectedId.value = (list[0] as TrainRun).id;
    if (selectedId.value !== null) {
      const id = selectedId.value;
      const fetched = await attempt(() => client.call('train.get', { runId: id, maxPoints: 1000, logLines: 30 }));
      if (fetched && selectedId.value === id) detail.value = fetched;
    }
  }
  const refreshSoon = throttle(() => void refresh(), 1000);

  async function load() {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type === 'job' && event.job.kind === 'train') refreshSoon();
    });
    await Promise.all([refresh(), check(false), loadSources()]);
  }

  async function loadSources() {
    const loaded = await attempt(async () => {
      const [clusterRuns, labellings, boxRuns, maskRuns] = await Promise.all([
        client.call('clusters.runs', {}),
        client.call('labels.list', {}),
        client.call('boxes.runs', {}),
        client.call('masks.runs', {}),
      ]);
      return { clusterRuns, labellings, boxRuns, maskRuns };
    });
    if (loaded) sources.value = loaded;
  }

  async function check(refreshProbe = true) {
    checking.value = true;
    environment.value = (await attempt(() => client.call('train.environment', { refresh: refreshProbe }))) ?? environment.value;
    checking.value = false;
  }

  async function setPython(path: string | null) {
    checking.value = true;
    environment.value = (await attempt(() => client.call('train.setPython', { path }))) ?? environment.value;
    checking.value = false;
  }

  async function select(id: number) {
    selectedId.value = id;
    detail.value = null;
    await refresh();
  }

  async function started(work: () => Promise<{ run: TrainRun; job: Job }>) {
    const result = await attempt(work);
    if (!result) return;
    jobs.apply(result.job);
    selectedId.value = result.run.id;
    await refresh();
  }

  return {
    environment,
    checking,
    runs,
    selectedId,
    detail,
    sources,
    error,
    load,
    check,
    setPython,
    select,
    refresh,
    start: (input: Input<'train.start'>) => started(() => client.call('train.start', input)),
    resume: (runId: number) => started(() => client.call('train.resume', { runId })),
    cancel: async (runId: number) => {
      if (await attempt(() => client.call('train.cancel', { runId }))) await refresh();
    },
  };
});
