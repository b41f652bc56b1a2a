// Both transports hand back data from another process; nothing reaches a store unchecked.
import { ApiEvent, type Method, type Output, api } from '../../../shared/api.ts';

export function parseOutput<M extends Method>(method: M, value: unknown): Output<M> {
  return api[method].output.parse(value) as Output<M>;
}

/** Returns null for an event this build does not understand (a newer back end), after logging it. */
export function parseEvent(value: unknown): ApiEvent | null {
  const parsed = ApiEvent.safeParse(value);
  if (parsed.success) return parsed.data;
  console.warn('selfguide: ignoring an unrecognised event', value, parsed.error);
  return null;
}
