// The client inside Electron: calls go through the preload's contextBridge, images through the
// shell's custom protocol.
import type { SelfguideClient } from '../../../shared/api.ts';
import { type SelfguideBridge, electronAssetUrl, electronGenerationUrl, electronEvaluationGridUrl, electronMaskUrl, electronTrainPreviewUrl } from '../../../shared/bridge.ts';
import { ApiCallError } from './errors.ts';
import { parseEvent, parseOutput } from './validate.ts';

export function createIpcClient(bridge: SelfguideBridge): SelfguideClient {
  return {
    async call(method, input) {
      const response = await bridge.invoke(method, input);
      if (!response.ok) throw new ApiCallError(response.error.code, response.error.message);
      return parseOutput(method, response.result);
    },
    onEvent(listener) {
      return bridge.onEvent((raw) => {
        const event = parseEvent(raw);
        if (event) listener(event);
      });
    },
    assetUrl: electronAssetUrl,
    generationUrl: electronGenerationUrl,
    maskUrl: electronMaskUrl,
    trainPreviewUrl: electronTrainPreviewUrl,
    evaluationGridUrl: electronEvaluationGridUrl,
  };
}
