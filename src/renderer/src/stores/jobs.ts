// Every job of the project, kept current by `job` events; newest first.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Job } from '../../../shared/schemas.ts';
import { client } from '../api/client.ts';
import { errorMessage } from '../api/errors.ts';

const ACTIVE_STATES: ReadonlySet<Job['state']> = new Set(['running', 'queued']);

export const useJobsStore = defineStore('jobs', () => {
  const byId = ref(new Map<number, Job>());
  const error = ref<string | null>(null);
  let unsubscribe: (() => void) | null = null;

  const jobs = computed(() => [...byId.value.values()].sort((a, b) => b.id - a.id));
  const active = computed(() => jobs.value.filter((job) => ACTIVE_STATES.has(job.state)));

  /** Keeps the newer of two snapshots of a job: events and call results can arrive in any order. */
  function apply(job: Job) {
    const known = byId.value.get(job.id);
    if (!known || known.updatedAt <= job.updatedAt) byId.value.set(job.id, job);
  }

  async function start() {
    unsubscribe ??= client.onEvent((event) => {
      if (event.type === 'job') apply(event.job);
    });
    try {
      (await client.call('jobs.list', {})).forEach(apply);
      error.value = null;
    } catch (failure) {
      error.value = errorMessage(failure);
    }
  }

  async function act(method: 'jobs.cancel' | 'jobs.resume', id: number) {
    try {
      apply(await client.call(method, { id }));
      error.value = null;
    } catch (failure) {
      error.value = errorMessage(failure);
    }
  }

  return {
    jobs,
    active,
    error,
    apply,
    start,
    cancel: (id: number) => act('jobs.cancel', id),
    resume: (id: number) => act('jobs.resume', id),
  };
});
