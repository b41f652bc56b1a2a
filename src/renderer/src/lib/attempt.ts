// The stores' way of calling the back end: a failure becomes the store's error message (shown by its
// view) instead of an exception, and a success clears the previous message.
import type { Ref } from 'vue';
import { errorMessage } from '../api/errors.ts';

export async function attempt<T>(error: Ref<string | null>, work: () => Promise<T>): Promise<T | null> {
  try {
    const result = await work();
    error.value = null;
    return result;
  } catch (failure) {
    error.value = errorMessage(failure);
    return null;
  }
}
