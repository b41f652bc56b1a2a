// Evaluations of the selected training run: its history (newest first), starting one, cancelling it.
// Follows 'evaluate' job events, refetching at most once a second while one runs.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Evaluation, EvaluationParameters } from '../../../shared/evaluations.ts';
import { client } from '../api/client.ts';
import { attempt as attemptCall } from '../lib/attempt.ts';
import { throttle } from '../lib/throttle.ts';
import { useJobsStore } from './jobs.ts';

export const useEvaluateStore = defineStore('evaluate', () => {
  const runId = ref<number | null>(null);
  const evaluations = ref<Evaluation[]>([]);
  const selectedId = ref<number | null>(null);
  const error = ref<string | null>(null);
  const jobs = useJobsStore();
  let unsubscribe: (() => void) | null = null;

  const attempt = <T>(work: () => Promise<T>) => attemptCall(error, work);

  async function refresh() {
    const id = runId.value;
    if (id === null) return;
    const list = await attempt(() => client.call('evaluate.list', { runId: id }));
    if (!list || runId.value !== id) return;
    evaluations.value = list;
    if (!list.some((evaluation) => evaluation.id === selectedId.value)) selectedId.value = list[0]?.id ?? null;
  }
  const refreshSoon = throttle(() => void refresh(), 1000);

  async function show(id: number | null) {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type === 'job' && event.job.kind === 'evaluate') refreshSoon();
    });
    if (runId.value !== id) {
      runId.value = id;
      evaluations.value = [];
      selectedId.value = null;
      error.value = null;
    }
    await refresh();
  }

  async function start(parameters: Partial<EvaluationParameters>) {
    const id = runId.value;
    if (id === null) return;
    const started = await attempt(() => client.call('evaluate.start', { runId: id, ...parameters }));
    if (!started) return;
    jobs.apply(started.job);
    selectedId.value = started.evaluation.id;
    await refresh();
  }

  async function cancel(jobId: number) {
    if (await attempt(() => client.call('jobs.cancel', { id: jobId }))) await refresh();
  }

  return { runId, evaluations, selectedId, error, show, start, cancel, refresh };
});
