import type { ApiError } from '../../../shared/api.ts';

/** A failed call, with a code the views can react to without parsing the message. */
export class ApiCallError extends Error {
  override name = 'ApiCallError';
  readonly code: ApiError['code'] | 'unauthorized' | 'network';

  constructor(code: ApiCallError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
