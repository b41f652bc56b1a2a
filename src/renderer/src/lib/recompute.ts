// Recomputing a label run (clusters, boxes, masks) from a view: the back end refuses with `conflict`
// when people's decisions would be recomputed under (or the run is being computed); the refusal's
// message becomes the question of a confirm dialog, and confirming asks again with replace: true.
import { ref, type Ref } from 'vue';
import type { Job } from '../../../shared/schemas.ts';
import { ApiCallError, errorMessage } from '../api/errors.ts';
import { useJobsStore } from '../stores/jobs.ts';

export function useRecompute(request: (replace: boolean) => Promise<{ job: Job }>, error: Ref<string | null>, onStarted: () => void = () => {}) {
  /** The question to confirm; null while no dialog is open. */
  const question = ref<string | null>(null);

  async function send(replace: boolean) {
    try {
      useJobsStore().apply((await request(replace)).job);
      error.value = null;
      onStarted();
    } catch (failure) {
      if (failure instanceof ApiCallError && failure.code === 'conflict' && !replace) question.value = failure.message;
      else error.value = errorMessage(failure);
    }
  }

  return {
    question,
    start: () => send(false),
    confirm: () => {
      question.value = null;
      return send(true);
    },
    cancel: () => (question.value = null),
  };
}
