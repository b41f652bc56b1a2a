// What the Electron preload exposes to the renderer as `window.selfguide` (through contextBridge).
// The HTTP transport offers the same calls through fetch and a WebSocket; see the renderer's api/.
import type { ApiError, ApiEvent, AssetKind } from './api.ts';

export type BridgeResponse = { ok: true; result: unknown } | { ok: false; error: ApiError };

export interface SelfguideBridge {
  invoke(method: string, input: unknown): Promise<BridgeResponse>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** The native folder picker (the browser build has none: the folder is typed); null when dismissed. */
  chooseFolder?(title: string): Promise<string | null>;
}

/** Custom protocol the Electron shell serves registered project images on. */
export const ASSET_PROTOCOL = 'selfguide-asset';

export function electronAssetUrl(kind: AssetKind, imageId: number): string {
  return `${ASSET_PROTOCOL}://${kind}/${imageId}`;
}

export function electronMaskUrl(runId: number, imageId: number): string {
  return `${ASSET_PROTOCOL}://mask/${runId}/${imageId}`;
}

export function electronGenerationUrl(generationId: number, file: number | 'preview'): string {
  return `${ASSET_PROTOCOL}://generation/${generationId}/${file}`;
}

export function electronTrainPreviewUrl(runId: number, file: string): string {
  return `${ASSET_PROTOCOL}://train/${runId}/${encodeURIComponent(file)}`;
}

export function electronEvaluationGridUrl(evaluationId: number, grid: string): string {
  return `${ASSET_PROTOCOL}://evaluation/${evaluationId}/${encodeURIComponent(grid)}`;
}

/** IPC channel names. */
export const IPC = { invoke: 'selfguide:invoke', event: 'selfguide:event', chooseFolder: 'selfguide:choose-folder' } as const;
