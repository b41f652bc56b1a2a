// The client in a browser talking to `selfguide serve`: POST /api/<method>, events over a WebSocket,
// images under /files/ (authorised by the cookie the server set when the page was first loaded).
import { ApiError, type ApiEvent, type Method, type SelfguideClient } from '../../../shared/api.ts';
import { ApiCallError } from './errors.ts';
import { openEventSocket } from './event-socket.ts';
import { parseEvent, parseOutput } from './validate.ts';

const TOKEN_HEADER = 'x-selfguide-token';

export function createHttpClient(token: string | null): SelfguideClient {
  const listeners = new Set<(event: ApiEvent) => void>();
  const emit = (event: ApiEvent) => listeners.forEach((listener) => listener(event));
  let socket: { close(): void } | null = null;

  async function call<M extends Method>(method: M, input: unknown) {
    let response: Response;
    try {
      response = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { [TOKEN_HEADER]: token } : {}) },
        body: JSON.stringify(input),
      });
    } catch (error) {
      throw new ApiCallError('network', `Cannot reach the selfguide server: ${String(error)}`);
    }
    if (response.status === 401) {
      throw new ApiCallError('unauthorized', 'Not authorised: open the URL printed by `selfguide serve` (it carries the access token).');
    }
    const body = (await response.json().catch(() => null)) as { result?: unknown; error?: unknown } | null;
    if (!response.ok || !body || 'error' in body) {
      const error = ApiError.safeParse(body?.error);
      if (error.success) throw new ApiCallError(error.data.code, error.data.message);
      throw new ApiCallError('internal', `${method} failed with HTTP ${response.status}`);
    }
    return parseOutput(method, body.result);
  }

  // After a reconnect, replay the current state as events so every store catches up on what it missed.
  async function resync() {
    for (const job of await call('jobs.list', {})) emit({ type: 'job', job });
    emit({ type: 'library.changed' });
  }

  function connect() {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    socket = openEventSocket(`${scheme}://${window.location.host}/events${query}`, {
      message(data) {
        const event = parseEvent(data);
        if (event) emit(event);
      },
      reconnected() {
        resync().catch((error: unknown) => console.warn('selfguide: resync failed', error));
      },
    });
  }

  return {
    call,
    onEvent(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => listeners.delete(listener);
    },
    assetUrl: (kind, imageId) => `/files/${kind}/${imageId}`,
    generationUrl: (generationId, file) => `/files/generation/${generationId}/${file}`,
    maskUrl: (runId, imageId) => `/files/mask/${runId}/${imageId}`,
    trainPreviewUrl: (runId, file) => `/files/train/${runId}/${encodeURIComponent(file)}`,
    evaluationGridUrl: (evaluationId, grid) => `/files/evaluation/${evaluationId}/${encodeURIComponent(grid)}`,
  };
}
