import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ProjectInfo } from '../../../shared/schemas.ts';
import { client } from '../api/client.ts';
import { errorMessage } from '../api/errors.ts';

export const useProjectStore = defineStore('project', () => {
  const info = ref<ProjectInfo | null>(null);
  const error = ref<string | null>(null);

  async function load() {
    try {
      info.value = await client.call('project.info', {});
      error.value = null;
    } catch (failure) {
      error.value = errorMessage(failure);
    }
  }

  return { info, error, load };
});
